// What the Service's wiring costs per event: 1,000,000 small events in batches of 256 through
// receiver -> passthrough processor -> counting exporter, once with the components called directly
// (the baseline) and once through the Service (instrumented consumers, fan-out, counters). Also a
// two-pipeline fan-out where one pipeline mutates (one deep copy per batch, against structuredClone).
// Rates count exported events (the two-pipeline case exports every event twice).
//   node bench/service-overhead.ts [events] [batch]
import { pino } from 'pino';
import { defineExporter, defineProcessor, defineReceiver, Service, type Batch, type Consumer, type Factory, type OispEvent } from '@oisp/core';
import type { CollectorConfig } from '../packages/core/src/config/types.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const batchSize = Number(process.argv[3] ?? 256);

const template: OispEvent = {
  oisp_version: '0.1',
  event_id: '01JDQ6Z8Y3K4M5N6P7Q8R9S0T1',
  event_type: 'process.exit',
  ts: '2026-11-24T22:05:11.123456789Z',
  process: { pid: 4242, name: 'python3' },
  data: { exit_code: 0, runtime_ms: 3 },
};
const batches: Batch[] = [];
for (let i = 0; i < total; i += batchSize) {
  batches.push(Array.from({ length: Math.min(batchSize, total - i) }, (_, j) => ({ ...template, data: { exit_code: (i + j) % 256, runtime_ms: 3 } })));
}

let exported = 0;
const schema = { type: 'object' };
let receiverNext: Consumer | undefined;
const capture = defineReceiver({
  type: 'gen', stability: 'development', configSchema: schema, createDefaultConfig: () => ({}),
  create: (_s, _c, next) => ((receiverNext = next), { start: async () => {}, shutdown: async () => {} }),
});
const processor = (type: string, mutates: boolean) => defineProcessor({
  type, stability: 'development', configSchema: schema, createDefaultConfig: () => ({}), capabilities: { mutatesData: mutates },
  create: (_s, _c, next) => ({ start: async () => {}, shutdown: async () => {}, consume: (b: Batch) => next.consume(b) }),
});
const exporter = defineExporter({
  type: 'count', stability: 'development', configSchema: schema, createDefaultConfig: () => ({}), capabilities: { mutatesData: false },
  create: () => ({ start: async () => {}, shutdown: async () => {}, consume: async (b: Batch) => void (exported += b.length) }),
});

function config(pipelines: CollectorConfig['service']['pipelines']): CollectorConfig {
  const c: CollectorConfig = { plugins: [], receivers: {}, processors: {}, exporters: {}, service: { pipelines, telemetry: { logs: { level: 'silent' }, metrics: {} }, shutdown_timeout_ms: 5000 } };
  for (const p of Object.values(pipelines)) {
    for (const id of p.receivers) c.receivers[id] = {};
    for (const id of p.processors) c.processors[id] = {};
    for (const id of p.exporters) c.exporters[id] = {};
  }
  return c;
}

interface Baseline {
  label: string;
  nsPerBatch: number;
}

async function timed(label: string, run: () => Promise<void>, baseline?: Baseline): Promise<Baseline> {
  exported = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const rate = exported / (ms / 1000);
  const nsPerBatch = (ms * 1e6) / batches.length;
  console.log(
    `${label.padEnd(44)} ${Math.round(rate).toLocaleString('en').padStart(13)} events/s  ${Math.round(nsPerBatch).toLocaleString('en').padStart(7)} ns/batch  cpu ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s` +
      (baseline ? `  speed ${(baseline.nsPerBatch / nsPerBatch).toFixed(2)}x of ${baseline.label}` : ''),
  );
  return { label, nsPerBatch };
}

async function viaService(factories: Factory[], pipelines: CollectorConfig['service']['pipelines']): Promise<void> {
  const svc = new Service({
    config: config(pipelines),
    factories: { get: (kind, type) => factories.find((f) => f.kind === kind && f.type === type), list: () => factories },
    logger: pino({ level: 'silent' }),
    buildInfo: { command: 'bench', version: '0' },
    configDir: process.cwd(),
  });
  await svc.start();
  for (const b of batches) await receiverNext!.consume(b);
  await svc.shutdown();
}

console.log(`${total} events, batches of ${batchSize}, node ${process.version}`);
for (let round = 0; round < 2; round++) {
  const direct = await timed('direct calls', async () => {
    const e = exporter.create({} as never, {});
    const p = processor('pass', false).create({} as never, {}, e);
    for (const b of batches) await p.consume(b);
  });
  await timed('Service: gen -> pass -> count', () => viaService([capture, processor('pass', false), exporter], { a: { receivers: ['gen'], processors: ['pass'], exporters: ['count'] } }), direct);
  const clone = await timed('structuredClone of every batch', async () => {
    for (const b of batches) exported += structuredClone(b).length;
  });
  await timed('Service: 2 pipelines, one mutating (clone)', () =>
    viaService([capture, processor('pass', false), processor('mut', true), exporter], {
      a: { receivers: ['gen'], processors: ['pass'], exporters: ['count'] },
      b: { receivers: ['gen'], processors: ['mut'], exporters: ['count'] },
    }), clone);
}
