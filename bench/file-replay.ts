// Replay throughput: N small events (default 1,000,000) written to a temp JSONL file, then
//   pipeline: file receiver -> file exporter through the real core Service (config as loaded,
//             batches of 1000, telemetry counting, the exporter's queue and batched writes);
//   floor:    a plain loop over the same file: readline -> JSON.parse -> JSON.stringify -> write
//             (joined 1000 lines at a time), the least any replay has to do.
// Each runs in its own child process so its peak RSS and CPU seconds are its own. Prints events/s,
// peak RSS, CPU seconds (user + system) for both and the pipeline/floor ratios.
//   node bench/file-replay.ts [--events N] [--keep]
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Service, serializeEvent, type Factory, type OispEvent } from '@oisp/core';
import exporterFile, { createDefaultExporterConfig, createDefaultReceiverConfig } from '@oisp/exporter-file';

interface Result {
  events: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function measure(run: () => Promise<number>): Promise<Result> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const events = await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { events, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: peakRssMiB() };
}

/**
 * This process's own peak RSS. VmHWM belongs to the address space made at exec; getrusage's
 * maxRSS would also carry the peak of the parent this child was forked from.
 */
function peakRssMiB(): number {
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024;
}

async function pipeline(input: string, output: string): Promise<number> {
  const factories = exporterFile as Factory[];
  const svc = new Service({
    config: {
      plugins: [],
      receivers: { file: { ...createDefaultReceiverConfig(), path: input } },
      processors: {},
      exporters: { file: { ...createDefaultExporterConfig(), path: output, max_megabytes: 0 } },
      service: { pipelines: { replay: { receivers: ['file'], processors: [], exporters: ['file'] } }, telemetry: { logs: { level: 'silent' }, metrics: {} }, shutdown_timeout_ms: 60_000 },
    },
    factories: { get: (kind, type) => factories.find((f) => f.kind === kind && f.type === type), list: () => factories },
    logger: pino({ level: 'silent' }),
    buildInfo: { command: 'bench', version: '0' },
    configDir: process.cwd(),
  });
  await svc.start();
  await svc.whenDone;
  const summary = await svc.shutdown();
  return summary.eventsOut;
}

async function floor(input: string, output: string): Promise<number> {
  const fd = openSync(output, 'w', 0o600);
  let events = 0;
  let lines: string[] = [];
  for await (const line of createInterface({ input: createReadStream(input), crlfDelay: Infinity })) {
    lines.push(JSON.stringify(JSON.parse(line)));
    events++;
    if (lines.length === 1000) {
      writeSync(fd, lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length > 0) writeSync(fd, lines.join('\n') + '\n');
  closeSync(fd);
  return events;
}

/** Small events like the ones a busy host makes most: process and file events. */
function generate(path: string, count: number): void {
  const fd = openSync(path, 'w', 0o600);
  const template: OispEvent = {
    oisp_version: '0.1',
    event_id: '',
    event_type: 'file.open',
    ts: '',
    process: { pid: 4242, name: 'python3', start_time: '83999000000000' },
    data: { path: '/home/dev/agent/a.txt', fd: 3, flags: 0, result: 3 },
  };
  const t0 = Date.UTC(2026, 10, 24, 22, 0, 0);
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    const ms = t0 + Math.floor(i / 10);
    chunk.push(serializeEvent({ ...template, event_id: `01JDQ7BENCH${String(i).padStart(15, '0')}`, ts: `${new Date(ms).toISOString().slice(0, 23)}${String(i % 10).padStart(6, '0')}Z`, data: { ...template.data, fd: 3 + (i % 50) } }));
    if (chunk.length === 10_000) {
      writeSync(fd, chunk.join('\n') + '\n');
      chunk = [];
    }
  }
  if (chunk.length > 0) writeSync(fd, chunk.join('\n') + '\n');
  closeSync(fd);
}

function child(phase: string, input: string, output: string): Result {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--phase', phase, '--input', input, '--output', output], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`${phase} failed (exit ${run.status})`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

const phase = arg('--phase');
if (phase) {
  // A child: one measurement, its result as the last line of stdout.
  const input = arg('--input')!;
  const output = arg('--output')!;
  const result = await measure(() => (phase === 'pipeline' ? pipeline(input, output) : floor(input, output)));
  console.log(JSON.stringify(result));
} else {
  const count = Number(arg('--events') ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'oisp-bench-replay-'));
  try {
    const input = join(dir, 'input.jsonl');
    generate(input, count);
    const size = statSync(input).size;
    console.log(`file-replay: ${count.toLocaleString('en')} events, ${(size / 1024 / 1024).toFixed(1)} MiB (${Math.round(size / count)} bytes/event), node ${process.version}`);
    const results: Record<string, Result> = {};
    for (const name of ['floor', 'pipeline']) {
      const output = join(dir, `${name}.jsonl`);
      results[name] = child(name, input, output);
      if (results[name].events !== count) throw new Error(`${name}: ${results[name].events} events out of ${count}`);
      if (statSync(output).size !== size) throw new Error(`${name}: output is ${statSync(output).size} bytes, input ${size}`);
      rmSync(output);
    }
    const row = (name: string, r: Result) =>
      `${name.padEnd(46)} ${Math.round(r.events / r.seconds).toLocaleString('en').padStart(11)} events/s  ${r.seconds.toFixed(2).padStart(6)} s  peak RSS ${r.peakRssMiB.toFixed(0).padStart(4)} MiB  CPU ${r.cpuSeconds.toFixed(2)} s`;
    console.log(row('floor (readline, parse, stringify, write)', results.floor));
    console.log(row('pipeline (file receiver -> file exporter)', results.pipeline));
    const p = results.pipeline;
    const f = results.floor;
    console.log(
      `ratio pipeline/floor: throughput ${(p.events / p.seconds / (f.events / f.seconds)).toFixed(2)}x, CPU ${(p.cpuSeconds / f.cpuSeconds).toFixed(2)}x, peak RSS ${(p.peakRssMiB / f.peakRssMiB).toFixed(2)}x`,
    );
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}
