// Components that break the contract on purpose: conformance.test.ts runs this file with
// `node --test` in a child process and checks that runConformance fails each of them.
import { defineExporter, defineProcessor, type Batch, type Consumer } from '../../index.ts';
import { runConformance } from '../index.ts';

const schema = { type: 'object', properties: { level: { type: 'integer', default: 1 } }, additionalProperties: false };

// Reverses every batch: out of order.
runConformance(
  defineProcessor({
    type: 'reorders',
    stability: 'development',
    configSchema: schema,
    createDefaultConfig: () => ({ level: 1 }),
    capabilities: { mutatesData: false },
    create: (_settings, _config, next: Consumer) => ({
      start: async () => {},
      shutdown: async () => {},
      consume: (batch: Batch) => next.consume([...batch].reverse()),
    }),
  }),
);

// Tags every event although it says it does not mutate.
runConformance(
  defineExporter({
    type: 'secret_mutator',
    stability: 'development',
    configSchema: schema,
    createDefaultConfig: () => ({ level: 1 }),
    capabilities: { mutatesData: false },
    create: () => ({
      start: async () => {},
      shutdown: async () => {},
      consume: async (batch: Batch) => {
        for (const e of batch) e.attrs = { ...e.attrs, touched: true };
      },
    }),
  }),
);

// Throws on a second shutdown and on shutdown without start.
runConformance(
  defineExporter({
    type: 'fragile',
    stability: 'development',
    configSchema: schema,
    createDefaultConfig: () => ({ level: 1 }),
    capabilities: { mutatesData: false },
    create: () => {
      let state = 'new';
      return {
        start: async () => void (state = 'started'),
        shutdown: async () => {
          if (state !== 'started') throw new Error(`shutdown in state ${state}`);
          state = 'stopped';
        },
        consume: async () => {},
      };
    },
  }),
);

// Its default config breaks its own schema.
runConformance(
  defineProcessor({
    type: 'bad_default',
    stability: 'development',
    configSchema: schema,
    createDefaultConfig: () => ({ level: 'high' }),
    capabilities: { mutatesData: false },
    create: (_settings, _config, next: Consumer) => ({ start: async () => {}, shutdown: async () => {}, consume: (b: Batch) => next.consume(b) }),
  }),
);
