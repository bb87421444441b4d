// The fixture table: every testdata/<scenario>/input.jsonl is replayed through the processor (as
// batches split at {"batch_end":true} lines, with config.json over the defaults) and the output
// must equal expected.jsonl, with event_id (a fresh ULID per run) left out. telemetry.json holds
// the errors by kind the scenario must count. UPDATE_FIXTURES=1 rewrites both (review the diff).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseEvent, serializeEvent, validateEvent, type Batch, type OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer } from '@oisp/core/testing';
import { createDefaultConfig } from './config.ts';
import { HttpProcessor } from './http-processor.ts';

const testdata = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'testdata');
const update = process.env.UPDATE_FIXTURES === '1';

function readBatches(file: string): Batch[] {
  const batches: Batch[] = [[]];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    if (line.includes('"batch_end":true')) batches.push([]);
    else batches[batches.length - 1].push(parseEvent(line));
  }
  return batches;
}

/** The event as JSON without its event_id (new on every run). */
function normalise(event: OispEvent): unknown {
  const { event_id: _id, ...rest } = JSON.parse(serializeEvent(event));
  return rest;
}

/** Counters a scenario's telemetry.json pins down (those that are not zero). */
const COUNTERS = [
  'http_requests',
  'http_responses',
  'bytes_lost',
  'interim_responses',
  'server_side_connections_skipped',
  'responses_without_request',
  'responses_lost',
  'requests_lost',
  'upgraded_connections',
  'connections_evicted',
  'bodies_cut_at_memory_limit',
  'websocket_connections',
  'websocket_deflate_sessions',
  'websocket_text_messages',
  'websocket_binary_messages',
  'websocket_bytes_lost',
];

const scenarios = fs
  .readdirSync(testdata, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('processor-http fixtures', () => {
  it('has fixtures', () => assert.ok(scenarios.length >= 15, `found ${scenarios.length}`));
  for (const name of scenarios) {
    it(name, async () => {
      const dir = path.join(testdata, name);
      const configFile = path.join(dir, 'config.json');
      const config = { ...createDefaultConfig(), ...(fs.existsSync(configFile) ? JSON.parse(fs.readFileSync(configFile, 'utf8')) : {}) };
      const settings = createTestSettings('http');
      const sink = new SinkConsumer();
      const processor = new HttpProcessor(settings, config, sink);
      await processor.start();
      for (const batch of readBatches(path.join(dir, 'input.jsonl'))) await processor.consume(batch);
      await processor.shutdown();
      for (const event of sink.events) {
        const v = validateEvent(event);
        assert.ok(v.valid, `${event.event_type} not schema-valid: ${JSON.stringify(v)}`);
      }
      assert.equal(processor.bufferedBytes, 0, 'everything held is released once all connections closed');
      const actual = sink.events.map(normalise);
      const errors = settings.telemetry.counts().errors;
      const counters = Object.fromEntries(COUNTERS.map((c) => [c, settings.telemetry.counter(c)]).filter(([, v]) => v !== 0));
      const expectedFile = path.join(dir, 'expected.jsonl');
      const telemetryFile = path.join(dir, 'telemetry.json');
      if (update) {
        fs.writeFileSync(expectedFile, actual.map((e) => JSON.stringify(e)).join('\n') + (actual.length ? '\n' : ''));
        fs.writeFileSync(telemetryFile, JSON.stringify({ errors, counters }, null, 2) + '\n');
      }
      const expected = fs
        .readFileSync(expectedFile, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l));
      assert.deepEqual(actual, expected);
      assert.deepEqual({ errors, counters }, JSON.parse(fs.readFileSync(telemetryFile, 'utf8')));
    });
  }
});
