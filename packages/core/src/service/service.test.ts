import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import {
  defineExporter,
  defineProcessor,
  defineReceiver,
  type Batch,
  type Consumer,
  type Factory,
  type Host,
  type OispEvent,
} from '../index.ts';
import type { CollectorConfig, FactoryLookup, PipelineConfig } from '../config/types.ts';
import { exampleEvent } from '../schema/examples.ts';
import { SinkConsumer } from '../testing/sink-consumer.ts';
import { Service } from './service.ts';

const silent = pino({ level: 'silent' });
const schema = { type: 'object' };

function lookup(...factories: Factory[]): FactoryLookup {
  return {
    get: (kind, type) => factories.find((f) => f.kind === kind && f.type === type),
    list: () => factories,
  };
}

function collectorConfig(pipelines: Record<string, Partial<PipelineConfig>>, extra: Partial<CollectorConfig['service']> = {}): CollectorConfig {
  const config: CollectorConfig = {
    plugins: [],
    receivers: {},
    processors: {},
    exporters: {},
    service: { pipelines: {}, telemetry: { logs: { level: 'info' }, metrics: {} }, shutdown_timeout_ms: 5000, ...extra },
  };
  for (const [name, p] of Object.entries(pipelines)) {
    const full = { receivers: p.receivers ?? [], processors: p.processors ?? [], exporters: p.exporters ?? [] };
    config.service.pipelines[name] = full;
    for (const id of full.receivers) config.receivers[id] = {};
    for (const id of full.processors) config.processors[id] = {};
    for (const id of full.exporters) config.exporters[id] = {};
  }
  return config;
}

function events(n: number, from = 0): Batch {
  return Array.from({ length: n }, (_, i) => ({ ...exampleEvent('process.exit'), event_id: `01JDQ7SERV1CETEST000${String(from + i).padStart(6, '0')}`, data: { exit_code: from + i } }));
}

/** A world of test components that record what happens to them, in one shared log. */
class World {
  readonly log: string[] = [];
  readonly created = new Map<string, number>();
  /** The receivers' `next` and hosts, by id, so a test can push batches through the graph. */
  readonly receivers = new Map<string, { next: Consumer; host?: Host }>();
  /** What each exporter got, by id. */
  readonly sinks = new Map<string, SinkConsumer>();
  /** Batches (array identity) seen by each consumer id, to check copies. */
  readonly seen = new Map<string, Batch[]>();
  failStart = new Set<string>();
  failShutdown = new Set<string>();
  hangShutdown = new Set<string>();
  sinkOptions = new Map<string, ConstructorParameters<typeof SinkConsumer>[0]>();

  #created(id: string) {
    this.created.set(id, (this.created.get(id) ?? 0) + 1);
  }

  #lifecycle(id: string) {
    return {
      start: async (host: Host) => {
        this.log.push(`start ${id}`);
        if (this.failStart.has(id)) throw new Error(`cannot open ${id}`);
        const r = this.receivers.get(id);
        if (r) r.host = host;
      },
      shutdown: async () => {
        this.log.push(`shutdown ${id}`);
        if (this.hangShutdown.has(id)) await new Promise(() => {});
        if (this.failShutdown.has(id)) throw new Error(`flush of ${id} failed`);
      },
    };
  }

  #see(id: string, batch: Batch) {
    const list = this.seen.get(id) ?? [];
    list.push(batch);
    this.seen.set(id, list);
  }

  receiver(type: string) {
    return defineReceiver({
      type,
      stability: 'development',
      configSchema: schema,
      createDefaultConfig: () => ({}),
      create: (settings, _config, next) => {
        this.#created(settings.id);
        this.receivers.set(settings.id, { next });
        return this.#lifecycle(settings.id);
      },
    });
  }

  /** A processor: `tag` mutates (sets attrs[pipeline] on each event), `drop` filters odd exit codes. */
  processor(type: string, behaviour: 'pass' | 'tag' | 'drop' | 'throw' = 'pass') {
    return defineProcessor({
      type,
      stability: 'development',
      configSchema: schema,
      createDefaultConfig: () => ({}),
      capabilities: { mutatesData: behaviour === 'tag' },
      create: (settings, _config, next) => {
        this.#created(settings.id);
        const pipeline = (settings.logger.bindings() as { pipeline?: string }).pipeline ?? '?';
        return {
          ...this.#lifecycle(`${settings.id}@${pipeline}`),
          consume: async (batch: Batch) => {
            this.#see(`${settings.id}@${pipeline}`, batch);
            if (behaviour === 'throw') throw new Error('processor bug');
            if (behaviour === 'tag') for (const e of batch) e.attrs = { ...e.attrs, [`${settings.id}@${pipeline}`]: true };
            if (behaviour === 'drop') {
              const kept = batch.filter((e) => e.data.exit_code % 2 === 0);
              settings.telemetry.dropped('filtered', batch.length - kept.length);
              batch = kept;
            }
            await next.consume(batch);
          },
        };
      },
    });
  }

  exporter(type: string, mutates = false) {
    return defineExporter({
      type,
      stability: 'development',
      configSchema: schema,
      createDefaultConfig: () => ({}),
      capabilities: { mutatesData: mutates },
      create: (settings) => {
        this.#created(settings.id);
        const sink = new SinkConsumer(this.sinkOptions.get(settings.id));
        this.sinks.set(settings.id, sink);
        return {
          ...this.#lifecycle(settings.id),
          consume: (batch: Batch) => {
            this.#see(settings.id, batch);
            if (mutates) for (const e of batch) e.attrs = { ...e.attrs, [settings.id]: true };
            return sink.consume(batch);
          },
        };
      },
    });
  }
}

function service(config: CollectorConfig, ...factories: Factory[]): Service {
  return new Service({ config, factories: lookup(...factories), logger: silent, buildInfo: { command: 'oisp-collector', version: '0.0.0' }, configDir: '/tmp' });
}

test('one receiver and exporter instance per id, one processor instance per pipeline', async () => {
  const w = new World();
  const svc = service(
    collectorConfig({ a: { receivers: ['r'], processors: ['p'], exporters: ['e'] }, b: { receivers: ['r'], processors: ['p'], exporters: ['e', 'e2'] } }),
    w.receiver('r'),
    w.processor('p'),
    w.exporter('e'),
    w.exporter('e2'),
  );
  assert.deepEqual(Object.fromEntries(w.created), { e: 1, e2: 1, p: 2, r: 1 });
  assert.deepEqual(svc.componentIds, { receiver: ['r'], processor: ['p'], exporter: ['e', 'e2'] });
  await svc.start();
  await w.receivers.get('r')!.next.consume(events(3));
  // Fan-out to both pipelines, fan-in at the shared exporter.
  assert.equal(w.sinks.get('e')!.events.length, 6);
  assert.equal(w.sinks.get('e2')!.events.length, 3);
  assert.equal(w.seen.get('p@a')!.length, 1);
  assert.equal(w.seen.get('p@b')!.length, 1);
  const summary = await svc.shutdown();
  assert.equal(summary.eventsIn, 3);
  assert.equal(summary.eventsOut, 9);
  const p = summary.components.find((c) => c.id === 'p')!;
  assert.deepEqual([p.accepted, p.emitted], [6, 6], 'one processor id counts both pipelines');
});

test('fan-out copies only for mutating consumers; the last mutating one may take the original', async () => {
  const w = new World();
  const svc = service(
    collectorConfig({
      a: { receivers: ['r'], processors: ['tag1'], exporters: ['ro'] },
      b: { receivers: ['r'], processors: ['tag2'], exporters: ['ro'] },
      c: { receivers: ['r2'], processors: ['tag1'], exporters: ['ro'] },
      d: { receivers: ['r2'], processors: ['tag2'], exporters: ['ro'] },
      e: { receivers: ['r3'], exporters: ['ro', 'mut'] },
    }),
    w.receiver('r'),
    w.receiver('r2'),
    w.receiver('r3'),
    w.processor('tag1', 'tag'),
    w.processor('tag2', 'tag'),
    w.exporter('ro'),
    w.exporter('mut', true),
  );
  await svc.start();
  const batch = events(2);
  const pristine = structuredClone(batch);
  await w.receivers.get('r')!.next.consume(batch);
  // Two mutating consumers: the first gets a copy, the last the original.
  assert.notEqual(w.seen.get('tag1@a')![0], batch);
  assert.equal(w.seen.get('tag2@b')![0], batch);
  // Each pipeline's changes stay in that pipeline.
  const fromA = w.seen.get('ro')![0];
  const fromB = w.seen.get('ro')![1];
  assert.deepEqual(fromA.map((e) => Object.keys(e.attrs!).filter((k) => k.includes('@'))), [['tag1@a'], ['tag1@a']]);
  assert.deepEqual(fromB.map((e) => Object.keys(e.attrs!).filter((k) => k.includes('@'))), [['tag2@b'], ['tag2@b']]);

  // Read-only and mutating consumers of one fan-out never share a batch.
  const batch3 = events(2, 10);
  await w.receivers.get('r3')!.next.consume(batch3);
  assert.equal(w.seen.get('ro')!.at(-1), batch3, 'the read-only exporter takes the original');
  assert.notEqual(w.seen.get('mut')![0], batch3, 'the mutating exporter gets a copy');
  assert.deepEqual(batch3, events(2, 10), 'the original is untouched by the mutating exporter');
  assert.deepEqual(pristine.length, 2);
  await svc.shutdown();
});

test('a mutating processor behind a read-only one copies a batch another pipeline also holds', async () => {
  const w = new World();
  const svc = service(
    collectorConfig({
      a: { receivers: ['r'], processors: ['ro', 'tag'], exporters: ['out_a'] },
      b: { receivers: ['r'], processors: ['ro'], exporters: ['out_b'] },
    }),
    w.receiver('r'),
    w.processor('ro', 'pass'),
    w.processor('tag', 'tag'),
    w.exporter('out_a'),
    w.exporter('out_b'),
  );
  await svc.start();
  const batch = events(3);
  await w.receivers.get('r')!.next.consume(batch);
  assert.equal(w.seen.get('ro@a')![0], batch);
  assert.equal(w.seen.get('ro@b')![0], batch, 'read-only processors share the batch');
  assert.notEqual(w.seen.get('tag@a')![0], batch, 'so the mutating processor downstream must copy');
  assert.ok(w.sinks.get('out_a')!.events.every((e) => e.attrs!['tag@a'] === true));
  assert.ok(w.sinks.get('out_b')!.events.every((e) => !('tag@a' in e.attrs!)), 'pipeline b never sees pipeline a\'s tags');
  await svc.shutdown();
});

test('start: exporters, processors back to front, receivers; shutdown: the reverse, each once', async () => {
  const w = new World();
  const svc = service(
    collectorConfig({ a: { receivers: ['r1', 'r2'], processors: ['p1', 'p2'], exporters: ['e'] }, b: { receivers: ['r2'], processors: ['p3'], exporters: ['e'] } }),
    w.receiver('r1'),
    w.receiver('r2'),
    w.processor('p1'),
    w.processor('p2'),
    w.processor('p3'),
    w.exporter('e'),
  );
  await svc.start();
  assert.deepEqual(w.log, ['start e', 'start p2@a', 'start p1@a', 'start p3@b', 'start r1', 'start r2']);
  w.log.length = 0;
  const [s1, s2] = await Promise.all([svc.shutdown(), svc.shutdown()]);
  assert.equal(s1, s2);
  assert.deepEqual(await svc.shutdown(), s1, 'idempotent');
  assert.deepEqual(w.log, ['shutdown r1', 'shutdown r2', 'shutdown p1@a', 'shutdown p2@a', 'shutdown p3@b', 'shutdown e']);
  assert.deepEqual(s1.errors, []);
});

test('a start failure stops what was started and names the component', async () => {
  const w = new World();
  w.failStart.add('p1@a');
  const svc = service(collectorConfig({ a: { receivers: ['r'], processors: ['p1', 'p2'], exporters: ['e'] } }), w.receiver('r'), w.processor('p1'), w.processor('p2'), w.exporter('e'));
  await assert.rejects(svc.start(), /^Error: processor "p1" failed to start: cannot open p1@a$/);
  assert.deepEqual(w.log, ['start e', 'start p2@a', 'start p1@a', 'shutdown r', 'shutdown p1@a', 'shutdown p2@a', 'shutdown e']);
  assert.ok(!w.log.includes('start r'), 'receivers never started');
  const summary = await svc.shutdown();
  assert.deepEqual(summary.errors, [{ id: 'p1', kind: 'processor', phase: 'start', message: 'cannot open p1@a' }]);
  assert.equal(w.log.filter((l) => l === 'shutdown e').length, 1, 'shutdown after a failed start does not stop twice');
});

test('shutdown errors are collected and reported, and the rest still shuts down', async () => {
  const w = new World();
  w.failShutdown.add('p@a');
  const svc = service(collectorConfig({ a: { receivers: ['r'], processors: ['p'], exporters: ['e'] } }), w.receiver('r'), w.processor('p'), w.exporter('e'));
  await svc.start();
  const summary = await svc.shutdown();
  assert.deepEqual(summary.errors, [{ id: 'p', kind: 'processor', phase: 'shutdown', message: 'flush of p@a failed' }]);
  assert.ok(w.log.includes('shutdown e'));
  assert.match(svc.formatSummary(summary), /1 component error: processor p shutdown: flush of p@a failed$/);
});

test('an exception in consume is counted and the batch dropped, never thrown upstream', async () => {
  const w = new World();
  w.sinkOptions.set('bad', { fail: true });
  const svc = service(
    collectorConfig({ a: { receivers: ['r'], processors: ['boom'], exporters: ['e'] }, b: { receivers: ['r'], exporters: ['bad', 'e'] } }),
    w.receiver('r'),
    w.processor('boom', 'throw'),
    w.exporter('e'),
    w.exporter('bad'),
  );
  await svc.start();
  await w.receivers.get('r')!.next.consume(events(4));
  await w.receivers.get('r')!.next.consume(events(2, 4));
  assert.equal(w.sinks.get('e')!.events.length, 6, 'pipeline b still delivers to e');
  const summary = await svc.shutdown();
  const boom = summary.components.find((c) => c.id === 'boom')!;
  assert.deepEqual(boom, { id: 'boom', kind: 'processor', accepted: 6, emitted: 0, dropped: { consume_failed: 6 }, errors: { consume_failed: 2 } });
  const bad = summary.components.find((c) => c.id === 'bad')!;
  assert.deepEqual([bad.accepted, bad.dropped, bad.errors], [6, { consume_failed: 6 }, { consume_failed: 2 }]);
});

test('backpressure: a slow exporter holds the receiver\'s await', async () => {
  const w = new World();
  const svc = service(collectorConfig({ a: { receivers: ['r'], processors: ['p'], exporters: ['slow', 'fast'] } }), w.receiver('r'), w.processor('p'), w.exporter('slow'), w.exporter('fast'));
  await svc.start();
  const slow = w.sinks.get('slow')!;
  slow.pause();
  let resolved = false;
  const pending = w.receivers.get('r')!.next.consume(events(5)).then(() => (resolved = true));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(resolved, false, 'the receiver is still waiting');
  assert.equal(w.sinks.get('fast')!.events.length, 5, 'the fast exporter already has the batch');
  assert.equal(slow.inFlight, 1);
  slow.resume();
  await pending;
  assert.equal(slow.events.length, 5);
  await svc.shutdown();
});

test('whenDone resolves once every receiver reported done; whenFatal carries the first fatal error', async () => {
  const w = new World();
  const svc = service(collectorConfig({ a: { receivers: ['r1', 'r2'], exporters: ['e'] } }), w.receiver('r1'), w.receiver('r2'), w.exporter('e'));
  await svc.start();
  let done = false;
  void svc.whenDone.then(() => (done = true));
  w.receivers.get('r1')!.host!.reportDone();
  w.receivers.get('r1')!.host!.reportDone();
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'one receiver is not all of them');
  w.receivers.get('r2')!.host!.reportDone();
  await svc.whenDone;
  w.receivers.get('r2')!.host!.reportFatalError(new Error('ring buffer gone'));
  const fatal = await svc.whenFatal;
  assert.equal(fatal.message, 'receiver "r2": ring buffer gone');
  const summary = await svc.shutdown();
  assert.deepEqual(summary.errors, [{ id: 'r2', kind: 'receiver', phase: 'fatal', message: 'ring buffer gone' }]);
});

test('the summary line counts in, out, written and drops by reason', async () => {
  const w = new World();
  const svc = service(collectorConfig({ a: { receivers: ['file'], processors: ['example_filter'], exporters: ['file'] } }), w.receiver('file'), w.processor('example_filter', 'drop'), w.exporter('file'));
  await svc.start();
  for (let i = 0; i < 10; i++) await w.receivers.get('file')!.next.consume(events(100, i * 100));
  const summary = await svc.shutdown();
  assert.equal(svc.formatSummary(summary), 'oisp-collector: 1000 events in, 500 out; file: 500 written; example_filter: 500 dropped (filtered)');
});

test('graph errors name the config path', () => {
  const w = new World();
  const config = collectorConfig({ a: { receivers: ['r'], exporters: ['e'] } });
  config.service.pipelines.a.exporters.push('otlp/x');
  assert.throws(() => service(config, w.receiver('r'), w.exporter('e')), { message: 'service::pipelines::a: references exporter "otlp/x" which is not configured' });
  const unknown = collectorConfig({ a: { receivers: ['r'], exporters: ['nope/2'] } });
  assert.throws(() => service(unknown, w.receiver('r')), { message: 'exporters::nope/2: unknown exporter type "nope"' });
  const twice = collectorConfig({ a: { receivers: ['r'], processors: ['p'], exporters: ['e'] } });
  twice.service.pipelines.a.processors.push('p');
  assert.throws(() => service(twice, w.receiver('r'), w.processor('p'), w.exporter('e')), { message: 'service::pipelines::a::processors: "p" is listed twice' });
  const broken = defineExporter({ type: 'broken', stability: 'development', configSchema: schema, createDefaultConfig: () => ({}), capabilities: { mutatesData: false }, create: () => { throw new Error('path: must be writable'); } });
  assert.throws(() => service(collectorConfig({ a: { receivers: ['r'], exporters: ['broken'] } }), w.receiver('r'), broken), { message: 'exporters::broken: cannot create: path: must be writable' });
});

test('events reach the exporter in order through the whole pipeline', async () => {
  const w = new World();
  const svc = service(collectorConfig({ a: { receivers: ['r'], processors: ['p1', 'p2'], exporters: ['e'] } }), w.receiver('r'), w.processor('p1'), w.processor('p2', 'tag'), w.exporter('e'));
  await svc.start();
  const sent: OispEvent[] = [];
  for (let i = 0; i < 20; i++) {
    const b = events(7, i * 7);
    sent.push(...structuredClone(b));
    await w.receivers.get('r')!.next.consume(b);
  }
  await w.receivers.get('r')!.next.consume([]);
  await svc.shutdown();
  assert.deepEqual(w.sinks.get('e')!.events.map((e) => e.data.exit_code), sent.map((e) => e.data.exit_code));
  assert.equal(w.sinks.get('e')!.batches.length, 20, 'empty batches are not passed on');
});

test('the service serves its counters on service::telemetry::metrics::address and closes it at shutdown', async () => {
  const w = new World();
  const config = collectorConfig({ a: { receivers: ['r'], processors: ['example_filter'], exporters: ['e'] } }, { telemetry: { logs: { level: 'info' }, metrics: { address: '127.0.0.1:0' } } });
  const svc = service(config, w.receiver('r'), w.processor('example_filter', 'drop'), w.exporter('e'));
  assert.equal(svc.metricsUrl, undefined);
  await svc.start();
  await w.receivers.get('r')!.next.consume(events(10));
  const url = svc.metricsUrl!;
  const text = await (await fetch(url)).text();
  assert.match(text, /^oisp_component_emitted_events_total\{component="r",kind="receiver"\} 10$/m);
  assert.match(text, /^oisp_component_accepted_events_total\{component="example_filter",kind="processor"\} 10$/m);
  assert.match(text, /^oisp_component_dropped_events_total\{component="example_filter",kind="processor",reason="filtered"\} 5$/m);
  assert.match(text, /^oisp_component_accepted_events_total\{component="e",kind="exporter"\} 5$/m);
  assert.match(text, /^oisp_build_info\{command="oisp-collector",version="0\.0\.0"\} 1$/m);
  await svc.shutdown();
  await assert.rejects(fetch(url), 'closed on shutdown');
});

test('a shutdown that never finishes is reported after its time budget, and the rest still shut down', async () => {
  const w = new World();
  w.hangShutdown.add('r');
  const svc = service(collectorConfig({ a: { receivers: ['r'], processors: ['p'], exporters: ['e'] } }), w.receiver('r'), w.processor('p'), w.exporter('e'));
  await svc.start();
  const t0 = performance.now();
  const summary = await svc.shutdown({ timeoutMs: 150 });
  const took = performance.now() - t0;
  assert.ok(took >= 140 && took < 2000, `took ${took} ms`);
  assert.deepEqual(w.log.slice(-3), ['shutdown r', 'shutdown p@a', 'shutdown e']);
  assert.deepEqual(summary.errors, [{ id: 'r', kind: 'receiver', phase: 'shutdown', message: 'did not finish within 150 ms' }]);
});

test('the CLI flow: a finite receiver replays, reports done, shutdown drains a buffering processor', async () => {
  const replay = defineReceiver({
    type: 'replay',
    stability: 'development',
    configSchema: schema,
    createDefaultConfig: () => ({ batches: 50 }),
    create: (_settings, config: { batches: number }, next) => {
      let running: Promise<void> | undefined;
      let stop = false;
      return {
        start: async (host) => {
          running = (async () => {
            for (let i = 0; i < config.batches && !stop; i++) {
              await new Promise((r) => setImmediate(r));
              await next.consume(events(20, i * 20));
            }
            host.reportDone();
          })();
        },
        shutdown: async () => {
          stop = true;
          await running;
        },
      };
    },
  });
  const holdUntilShutdown = defineProcessor({
    type: 'hold',
    stability: 'development',
    configSchema: schema,
    createDefaultConfig: () => ({}),
    capabilities: { mutatesData: false },
    create: (_settings, _config, next) => {
      const held: Batch = [];
      return {
        start: async () => {},
        shutdown: async () => {
          if (held.length) await next.consume(held.splice(0));
        },
        consume: async (batch: Batch) => void held.push(...batch),
      };
    },
  });
  const w = new World();
  w.sinkOptions.set('out', { delayMs: 1 });
  const config = collectorConfig({ a: { receivers: ['replay'], processors: ['hold'], exporters: ['out'] } });
  config.receivers.replay = { batches: 50 }; // the loader fills defaults; the service takes configs as given
  const svc = service(config, replay, holdUntilShutdown, w.exporter('out'));
  await svc.start();
  await Promise.race([svc.whenDone, svc.whenFatal.then((e) => Promise.reject(e))]);
  assert.equal(w.sinks.get('out')!.events.length, 0, 'everything is still held');
  const summary = await svc.shutdown();
  assert.equal(w.sinks.get('out')!.events.length, 1000);
  assert.deepEqual(w.sinks.get('out')!.events.map((e) => e.data.exit_code), Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(svc.formatSummary(summary), 'oisp-collector: 1000 events in, 1000 out; out: 1000 written');
});
