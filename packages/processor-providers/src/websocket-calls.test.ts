// Model calls on a WebSocket come out as soon as each is finished, not when the WebSocket ends. The
// WebSocket fixtures are fed one event at a time: each ai.response must come out with the message
// that carried its call's final event (an unfinished one with the end), nothing of a finished call
// stays held, and the events are exactly the fixture's expected.json (the same as all at once).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { HttpWebSocket, OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer } from '@oisp/core/testing';
import { createDefaultConfig } from './config.ts';
import { exchangeEvents, normalise, type FixtureExchange } from './internal/fixture-exchange.ts';
import { ProvidersProcessor } from './providers-processor.ts';

const testdata = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'testdata');
/** Server events that finish a call (an error only when its response had not begun; these fixtures have no other). */
const FINISHING = new Set(['response.completed', 'response.incomplete', 'response.failed', 'response.cancelled', 'response.done', 'error']);

function messageType(event: OispEvent): string | undefined {
  const [m] = (event.data as HttpWebSocket).messages;
  try {
    return m ? (JSON.parse(m.data) as { type?: string }).type : undefined;
  } catch {
    return undefined;
  }
}

describe('model calls on a WebSocket, as they finish', () => {
  for (const name of ['openai-responses-websocket', 'openai-responses-websocket-h2', 'openai-realtime']) {
    it(name, () => {
      const dir = path.join(testdata, name);
      const [exchange] = JSON.parse(fs.readFileSync(path.join(dir, 'exchanges.json'), 'utf8')) as FixtureExchange[];
      const processor = new ProvidersProcessor(createTestSettings('providers'), { ...createDefaultConfig(), auth_hash_salt: 'fixture-salt' }, new SinkConsumer());
      const out: OispEvent[] = [];
      let responses = 0;
      for (const event of exchangeEvents(exchange, 0)) {
        const step = processor.process([event]);
        out.push(...step);
        const answered = step.filter((e) => e.event_type === 'ai.response');
        responses += answered.length;
        if (event.event_type !== 'http.websocket') {
          assert.equal(answered.length, 0, `nothing answered by ${event.event_type}`);
          continue;
        }
        const end = (event.data as HttpWebSocket).end === true;
        if (end) {
          assert.ok(answered.every((e) => e.confidence?.completeness === 'partial'), 'only unfinished calls come out at the end');
        } else if (FINISHING.has(messageType(event) ?? '')) {
          assert.equal(answered.length, 1, `the call finished by ${messageType(event)} is out at once`);
          assert.equal(processor.webSocketHeldBytes, 0, 'nothing of a finished call stays held');
        } else {
          assert.equal(answered.length, 0, `no call is finished by ${messageType(event)}`);
        }
      }
      assert.ok(responses > 0);
      assert.equal(processor.webSocketHeldBytes, 0, 'nothing held once the WebSocket ended');
      const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
      assert.deepEqual(normalise(out.filter((e) => !e.event_type.startsWith('http.'))), expected);
    });
  }
});

describe('model calls on a WebSocket whose end does not come', () => {
  const exchange = (): FixtureExchange => ({
    request: { method: 'GET', url: '/v1/responses', host: 'api.openai.com', headers: { Upgrade: 'websocket', Connection: 'Upgrade', Authorization: 'Bearer sk-proj-FIXTUREFIXTUREFIXTUREFIXTURE0123' } },
    response: {
      status: 101,
      headers: { Upgrade: 'websocket' },
      stream: { format: 'websocket', events: [{ direction: 'egress', data: { type: 'response.create', model: 'gpt-5', input: 'hi' } }, { direction: 'ingress', data: { type: 'response.created', response: { id: 'resp_1' } } }] },
    },
  });
  /** The exchange's events without the last http.websocket (the one that ends it). */
  const open = (index: number) => exchangeEvents(exchange(), index).slice(0, -1);

  it('gives its open call out unfinished at shutdown', async () => {
    const sink = new SinkConsumer();
    const processor = new ProvidersProcessor(createTestSettings('providers'), createDefaultConfig(), sink);
    await processor.consume(open(0));
    assert.deepEqual(sink.events.map((e) => e.event_type), [], 'the call is in flight');
    await processor.shutdown();
    assert.deepEqual(sink.events.map((e) => `${e.event_type} ${e.confidence?.reasons ?? ''}`), ['ai.request ', 'ai.response response aborted before its end']);
  });

  it('lets the oldest WebSocket go past max_pending_requests, its open call out unfinished and counted', async () => {
    const settings = createTestSettings('providers');
    const sink = new SinkConsumer();
    const processor = new ProvidersProcessor(settings, { ...createDefaultConfig(), max_pending_requests: 1 }, sink);
    await processor.consume(open(0));
    await processor.consume(open(1));
    assert.deepEqual(sink.events.map((e) => `${e.event_type} ${e.confidence?.completeness ?? ''}`), ['ai.request ', 'ai.response partial']);
    assert.equal(settings.telemetry.droppedCount('websocket_evicted'), 1);
    const [evicted] = exchangeEvents(exchange(), 0).slice(-1);
    await processor.consume([evicted]);
    assert.deepEqual(sink.events.slice(2).map((e) => e.event_type), ['http.websocket'], 'the end of a WebSocket no longer followed passes on');
    assert.equal((sink.events[2].data as HttpWebSocket).messages.length, 0);
  });
});
