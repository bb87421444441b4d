// The fixture table: every testdata/<scenario>/exchanges.json (HTTP exchanges as the provider's API
// reference shows them; config.json over the defaults) goes through the processor, and the ai.* and
// agent.* events must equal expected.json — event type, data and confidence, with request ids
// numbered in order of appearance. UPDATE_FIXTURES=1 rewrites expected.json (review the diff).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validateEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer } from '@oisp/core/testing';
import { createDefaultConfig } from './config.ts';
import { exchangeEvents, normalise, type FixtureExchange } from './internal/fixture-exchange.ts';
import { ProvidersProcessor } from './providers-processor.ts';

const testdata = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'testdata');
const update = process.env.UPDATE_FIXTURES === '1';

const scenarios = fs
  .readdirSync(testdata, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(testdata, d.name, 'exchanges.json')))
  .map((d) => d.name)
  .sort();

describe('processor-providers fixtures', () => {
  it('has fixtures', () => assert.ok(scenarios.length >= 1, `found ${scenarios.length}`));
  for (const name of scenarios) {
    it(name, async () => {
      const dir = path.join(testdata, name);
      const configFile = path.join(dir, 'config.json');
      const config = { ...createDefaultConfig(), auth_hash_salt: 'fixture-salt', ...(fs.existsSync(configFile) ? JSON.parse(fs.readFileSync(configFile, 'utf8')) : {}) };
      const exchanges = JSON.parse(fs.readFileSync(path.join(dir, 'exchanges.json'), 'utf8')) as FixtureExchange[];
      const settings = createTestSettings('providers');
      const sink = new SinkConsumer();
      const processor = new ProvidersProcessor(settings, config, sink);
      await processor.start();
      for (const [i, x] of exchanges.entries()) await processor.consume(exchangeEvents(x, i));
      await processor.shutdown();
      for (const event of sink.events) {
        const v = validateEvent(event);
        assert.ok(v.valid, `${event.event_type} not schema-valid: ${JSON.stringify(v)}`);
      }
      const actual = normalise(sink.events.filter((e) => !e.event_type.startsWith('http.')));
      const expectedFile = path.join(dir, 'expected.json');
      if (update) fs.writeFileSync(expectedFile, JSON.stringify(actual, null, 2) + '\n');
      assert.deepEqual(actual, JSON.parse(fs.readFileSync(expectedFile, 'utf8')));
      assert.deepEqual(settings.telemetry.counts().errors, {}, 'no decode errors');
    });
  }
});
