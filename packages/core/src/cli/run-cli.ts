// The command line of a distribution: run (default), validate, components, print-config.
// A distribution hands in its name, version, built-in factories and default config.
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import type { Factory } from '../component.ts';
import { ConfigError } from '../config/errors.ts';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { redactConfig } from '../config/redact.ts';
import { createLogger } from '../logging.ts';
import { Registry } from '../registry.ts';
import { Service } from '../service/service.ts';

export interface CliOptions {
  command: string;
  version: string;
  factories: Factory[];
  /** Used when no --config is given. `dir` is where its relative paths resolve. */
  defaultConfig: { yaml: string; dir: string };
  argv?: string[];
  /** A distribution's own subcommands (check, targets, demo, ...). Set `exitCode` on the CliRun to finish. */
  extraCommands?: (program: Command, run: CliRun) => void;
}

export interface CliRun {
  exitCode: number;
}

interface ConfigFlags {
  config?: string[];
  set?: string[];
  logLevel?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function addConfigOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file; repeat to merge several in order', collect)
    .option('--set <path=value>', 'override one value, e.g. receivers::file::path=x.jsonl; repeatable', collect)
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']));
}

export async function runCli(options: CliOptions): Promise<number> {
  const run: CliRun = { exitCode: 0 };
  const registry = new Registry(options.factories);
  const program = addConfigOptions(new Command(options.command))
    .description('Capture what programs on this machine do with AI providers; export OISP events and OpenTelemetry spans.')
    .version(options.version, '-v, --version')
    .showHelpAfterError()
    .exitOverride();

  const flags = (command: Command): ConfigFlags => ({ ...program.opts<ConfigFlags>(), ...dropUndefined(command.opts<ConfigFlags>()) });
  const load = async (f: ConfigFlags): Promise<LoadedConfig | undefined> => {
    const sets = [...(f.set ?? [])];
    if (f.logLevel) sets.push(`service::telemetry::logs::level=${f.logLevel}`);
    try {
      return await loadConfig({ files: f.config ?? [], sets, defaultConfig: options.defaultConfig, registry });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const line of err.errors) process.stderr.write(`${line}\n`);
      run.exitCode = 1;
      return undefined;
    }
  };

  program.action(async () => {
    const loaded = await load(flags(program));
    if (loaded) run.exitCode = await runService(loaded, registry, options);
  });

  addConfigOptions(program.command('validate'))
    .description('load and check the config; print every problem with its path and line')
    .action(async (_opts, command: Command) => {
      if (await load(flags(command))) process.stdout.write('config is valid\n');
    });

  addConfigOptions(program.command('print-config'))
    .description('print the resolved config (defaults filled, environment expanded)')
    .option('--redacted', 'show secrets as [redacted]')
    .action(async (opts: { redacted?: boolean }, command: Command) => {
      const loaded = await load(flags(command));
      if (loaded) process.stdout.write(stringify(opts.redacted ? redactConfig(loaded.config, registry) : loaded.config));
    });

  addConfigOptions(program.command('components'))
    .description('list the components this collector knows (built-ins and plugins from the config)')
    .option('--json', 'as JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const f = flags(command);
      if (f.config?.length && !(await load(f))) return;
      const rows = registry.list().map((c) => ({ kind: c.kind, type: c.type, stability: c.stability, package: c.package ?? '' }));
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else process.stdout.write(table(['KIND', 'TYPE', 'STABILITY', 'PACKAGE'], rows.map((r) => [r.kind, r.type, r.stability, r.package])));
    });

  options.extraCommands?.(program, run);

  try {
    await program.parseAsync(options.argv ?? process.argv);
  } catch (err) {
    const code = (err as { code?: string; exitCode?: number }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (code?.startsWith('commander.')) return (err as { exitCode?: number }).exitCode ?? 2;
    throw err;
  }
  return run.exitCode;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

/** Runs until the receivers are done, a fatal error, or SIGINT/SIGTERM; then drains and exits. */
async function runService(loaded: LoadedConfig, registry: Registry, options: CliOptions): Promise<number> {
  const { config, configDir } = loaded;
  const logger = createLogger({ level: config.service.telemetry.logs.level, format: config.service.telemetry.logs.format });
  const service = new Service({ config, factories: registry, logger, buildInfo: { command: options.command, version: options.version }, configDir });
  let signalled: ((signal: string) => void) | undefined;
  const signal = new Promise<string>((resolve) => (signalled = resolve));
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn(`second ${name}: exiting without draining`);
      process.exit(130);
    }
    logger.info(`${name}: shutting down (send again to exit at once)`);
    signalled?.(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let exitCode = 0;
  try {
    try {
      await service.start();
    } catch (err) {
      logger.error({ err }, 'start failed');
      return 1;
    }
    const why = await Promise.race([
      service.whenDone.then(() => 'every receiver is done'),
      service.whenFatal.then((err) => {
        exitCode = 1;
        return `fatal error: ${err.message}`;
      }),
      signal,
    ]);
    logger.info(`stopping: ${why}`);
    const summary = await service.shutdown();
    if (summary.errors.length > 0) exitCode = 1;
    process.stderr.write(`${service.formatSummary()}\n`);
    return exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
