// A pipeline from YAML on the built-in components, started in this process: for the demo, the
// live tests and the benches, which watch its output through one extra exporter of their own.
import { createLogger, loadConfig, Registry, Service, type Factory } from '@oisp/core';
import { builtinFactories } from './components.ts';

export interface PipelineOptions {
  /** The pipeline's YAML (it may name the extra factories' types). */
  yaml: string;
  /** Where relative paths in the YAML resolve. */
  dir: string;
  /** Factories beside the built-in ones (a callback exporter to watch the output). */
  extra?: Factory[];
  logger?: ReturnType<typeof createLogger>;
  version?: string;
}

export async function startPipeline(opts: PipelineOptions): Promise<Service> {
  const registry = new Registry([...builtinFactories(), ...(opts.extra ?? [])]);
  const { config } = await loadConfig({ files: [], defaultConfig: { yaml: opts.yaml, dir: opts.dir }, registry });
  const service = new Service({
    config,
    factories: registry,
    logger: opts.logger ?? createLogger({ level: 'warn' }),
    buildInfo: { command: 'oisp-collector', version: opts.version ?? 'test' },
    configDir: opts.dir,
  });
  await service.start();
  return service;
}
