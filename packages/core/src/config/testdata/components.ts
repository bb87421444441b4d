// Small real components for config and CLI tests: a receiver that emits N events and says it is
// done, a processor that tags events, an exporter that appends JSONL to a file.
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEvent, defineExporter, defineProcessor, defineReceiver, serializeEvent, type Consumer, type Host } from '../../index.ts';

export const counterReceiver = defineReceiver<{ count: number }>({
  type: 'counter',
  stability: 'development',
  configSchema: { type: 'object', additionalProperties: false, properties: { count: { type: 'integer', minimum: 0, maximum: 1000, default: 3 } } },
  createDefaultConfig: () => ({ count: 3 }),
  create: (_settings, config, next: Consumer) => ({
    async start(host: Host) {
      const batch = Array.from({ length: config.count }, (_, i) => createEvent('test.count', { i }));
      await next.consume(batch);
      host.reportDone();
    },
    async shutdown() {},
  }),
});

export const tagProcessor = defineProcessor<{ key: string; value: string; headers: Record<string, string> }>({
  type: 'tag',
  stability: 'alpha',
  capabilities: { mutatesData: true },
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['key'],
    properties: {
      key: { type: 'string', minLength: 1 },
      value: { type: 'string', default: 'yes' },
      token: { type: 'string', 'x-secret': true },
      headers: { type: 'object', additionalProperties: { type: 'string', 'x-secret': true }, default: {} },
    },
  },
  createDefaultConfig: () => ({ key: 'tagged', value: 'yes', headers: {} }),
  validate: (config) => {
    if (config.key === config.value) throw new Error('value: must differ from key');
  },
  create: (_settings, config, next) => ({
    async start() {},
    async shutdown() {},
    async consume(batch) {
      for (const e of batch) e.attrs = { ...e.attrs, [config.key]: config.value };
      await next.consume(batch);
    },
  }),
});

export const jsonlExporter = defineExporter<{ path: string }>({
  type: 'jsonl',
  stability: 'beta',
  capabilities: { mutatesData: false },
  configSchema: { type: 'object', additionalProperties: false, required: ['path'], properties: { path: { type: 'string', minLength: 1 } } },
  createDefaultConfig: () => ({ path: 'out.jsonl' }),
  create: (settings, config) => {
    const file = resolve(settings.configDir, config.path);
    return {
      async start() {},
      async shutdown() {},
      async consume(batch) {
        appendFileSync(file, batch.map((e) => serializeEvent(e) + '\n').join(''));
      },
    };
  },
});

export const testFactories = [counterReceiver, tagProcessor, jsonlExporter];
