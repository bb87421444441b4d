// runConformance(factory): the checks every component must pass, registered as node:test tests.
// Call it at the top level of a component's test file:
//
//   import { runConformance } from '@oisp/core/testing';
//   import factory from './index.ts';
//   runConformance(factory, { ownedEventTypes: ['capture.*'] });
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Component, Consumer, Factory } from '../component.ts';
import { EVENT_TYPES, type Batch, type OispEvent } from '../event.ts';
import { exampleEvent } from '../schema/examples.ts';
import { createTestSettings } from './test-settings.ts';
import { SinkConsumer } from './sink-consumer.ts';
import { testHost } from './test-host.ts';

export interface ConformanceOptions<C = any> {
  /**
   * Config for the tests that start the component, merged over createDefaultConfig() (e.g. a temp
   * file path, a loopback port). A function is called once per test, so each test can get a fresh
   * temp folder.
   */
  config?: Partial<C> | (() => Partial<C> | Promise<Partial<C>>);
  /**
   * Event types the component consumes, changes or drops (exact, or a prefix ending in `*` such as
   * `capture.*`). Every other known type, and the made-up `test.passthrough`, must pass through a
   * processor unchanged and in order, and be accepted by an exporter.
   */
  ownedEventTypes?: string[];
  /** Component id in its settings (default: the factory's type). */
  id?: string;
  /** Called after each test that created a component (e.g. remove temp files). */
  cleanup?: () => void | Promise<void>;
  /** Per-test timeout (default 30 s): a shutdown that never resolves fails instead of hanging. */
  timeoutMs?: number;
}

/** The made-up event type no component owns. */
export const PASSTHROUGH_EVENT_TYPE = 'test.passthrough';

function owns(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? type.startsWith(p.slice(0, -1)) : p === type));
}

/** Events the component does not own, in three batches, interleaving `test.passthrough` with every unowned known type. */
export function foreignBatches(ownedEventTypes: readonly string[] = []): Batch[] {
  const events: OispEvent[] = [];
  let n = 0;
  const passthrough = (): OispEvent => {
    const base = exampleEvent('process.exit', n % 100);
    return {
      ...base,
      event_id: `01JDQ7TESTPASSTHR0VGH${String(n).padStart(5, '0')}`,
      event_type: PASSTHROUGH_EVENT_TYPE,
      data: { seq: n++, nested: { list: [1, 'two', { three: 3 }], empty: {} }, text: 'unchanged' },
    };
  };
  events.push(passthrough());
  for (const type of EVENT_TYPES) {
    if (owns(ownedEventTypes, type)) continue;
    events.push(exampleEvent(type, 1), passthrough());
  }
  events.push(passthrough(), passthrough());
  const third = Math.ceil(events.length / 3);
  return [events.slice(0, third), events.slice(third, 2 * third), events.slice(2 * third)].filter((b) => b.length > 0);
}

function configAjv(): Ajv2020 {
  const ajv = new Ajv2020({ useDefaults: true, allErrors: true });
  addFormats.default(ajv);
  ajv.addKeyword({ keyword: 'x-secret' });
  return ajv;
}

function validateConfig(factory: Factory, config: unknown): void {
  const validate = configAjv().compile(factory.configSchema);
  if (!validate(config)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new Error(`${factory.kind} ${factory.type}: config invalid against configSchema: ${errors}`);
  }
  factory.validate?.(config);
}

export function runConformance<C>(factory: Factory, options: ConformanceOptions<C> = {}): void {
  const id = options.id ?? factory.type;
  const timeout = options.timeoutMs ?? 30_000;
  const owned = options.ownedEventTypes ?? [];

  async function testConfig(): Promise<unknown> {
    const provided = typeof options.config === 'function' ? await (options.config as () => unknown)() : options.config;
    const config = { ...structuredClone(factory.createDefaultConfig()), ...(provided as object | undefined) };
    validateConfig(factory, config);
    return config;
  }

  interface Made {
    component: Component & Partial<Consumer>;
    next: SinkConsumer;
  }

  async function make(): Promise<Made> {
    const config = await testConfig();
    const settings = createTestSettings(id, factory.kind);
    const next = new SinkConsumer();
    let component: Made['component'];
    if (factory.kind === 'exporter') component = factory.create(settings, config);
    else component = factory.create(settings, config, next);
    return { component, next };
  }

  async function withComponent(body: (made: Made) => Promise<void>): Promise<void> {
    try {
      await body(await make());
    } finally {
      await options.cleanup?.();
    }
  }

  const host = () => testHost({ [factory.kind]: [id] });

  describe(`${factory.kind} ${factory.type}: conformance`, () => {
    it('declares a lower_snake_case type, a stability and an object config schema', () => {
      assert.match(factory.type, /^[a-z][a-z0-9_]*$/, 'type must be lower_snake_case');
      assert.ok(['development', 'alpha', 'beta', 'stable', 'deprecated'].includes(factory.stability), `unknown stability ${factory.stability}`);
      assert.equal(typeof factory.configSchema, 'object');
      if (factory.kind !== 'receiver') assert.equal(typeof factory.capabilities?.mutatesData, 'boolean', 'capabilities.mutatesData must be declared');
    });

    it('default config is valid against its configSchema (defaults filled)', () => {
      const config = structuredClone(factory.createDefaultConfig());
      validateConfig(factory, config);
      // Filling defaults must not change what createDefaultConfig already decided.
      const again = structuredClone(config);
      validateConfig(factory, again);
      assert.deepEqual(again, config);
    });

    it('shuts down without start', { timeout }, () =>
      withComponent(async ({ component }) => {
        await component.shutdown();
      }),
    );

    it('starts, consumes and shuts down', { timeout }, () =>
      withComponent(async ({ component }) => {
        await component.start(host());
        if (component.consume) for (const batch of foreignBatches(owned)) await component.consume(batch);
        await component.shutdown();
      }),
    );

    it('shuts down twice (idempotent)', { timeout }, () =>
      withComponent(async ({ component }) => {
        await component.start(host());
        await component.shutdown();
        await component.shutdown();
      }),
    );

    if (factory.kind === 'receiver') return;

    it(`passes events it does not own (${PASSTHROUGH_EVENT_TYPE}${owned.length ? `; owns ${owned.join(', ')}` : ''}) through unchanged and in order`, { timeout }, () =>
      withComponent(async ({ component, next }) => {
        const batches = foreignBatches(owned);
        const expected = structuredClone(batches).flat();
        await component.start(host());
        for (const batch of batches) await component.consume!(batch);
        await component.shutdown();
        if (!factory.capabilities.mutatesData) {
          assert.deepEqual(batches.flat(), expected, 'a component with mutatesData: false changed the events it was given');
        }
        if (factory.kind === 'processor') {
          const ids = new Set(expected.map((e) => e.event_id));
          const passed = next.events.filter((e) => ids.has(e.event_id));
          assert.deepEqual(passed, expected, 'events the processor does not own must reach next unchanged and in order');
        }
      }),
    );
  });
}
