// The `ws` library as the oracle: a real client and server (permessage-deflate with context
// takeover, fragmented messages both ways, a message past the 32 KiB window, uncompressed and
// binary ones between) talk through a recording relay; the recorded bytes, replayed through the
// processor a chunk per batch, must give exactly the messages each side received, in order, each
// way, in http.websocket events after the 101.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpResponse, HttpWebSocket, OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer } from '@oisp/core/testing';
import { createDefaultConfig } from './config.ts';
import { HttpProcessor } from './http-processor.ts';
import { CaptureScript, testConn } from './internal/capture-script.ts';
import { recordWebSocket, sendFragmented, untilReceived } from './internal/ws-recording.ts';

async function decode(chunks: { direction: 'egress' | 'ingress'; bytes: Buffer }[]) {
  const settings = createTestSettings('http');
  const sink = new SinkConsumer();
  const processor = new HttpProcessor(settings, createDefaultConfig(), sink);
  const s = new CaptureScript(testConn('ws-live'));
  for (const c of chunks) s.chunk(c.direction, c.bytes);
  s.close();
  for (const event of s.events) await processor.consume([event]);
  await processor.shutdown();
  assert.equal(processor.bufferedBytes, 0);
  const response = sink.events.find((e) => e.event_type === 'http.response') as OispEvent<'http.response', HttpResponse>;
  const websocket = sink.events.filter((e) => e.event_type === 'http.websocket') as OispEvent<'http.websocket', HttpWebSocket>[];
  assert.deepEqual(sink.events.map((e) => e.event_type), ['http.request', 'http.response', ...websocket.map(() => 'http.websocket')]);
  return { settings, response, end: websocket[websocket.length - 1], events: websocket.flatMap((e) => e.data.messages) };
}

describe('WebSocket decoded as the ws library sent and received it', () => {
  for (const takeover of [true, false]) {
    it(`permessage-deflate ${takeover ? 'with' : 'without'} context takeover`, async () => {
      const deflate = takeover ? { threshold: 0 } : { threshold: 0, clientNoContextTakeover: true, serverNoContextTakeover: true };
      const ws = await recordWebSocket('/v1/responses', deflate);
      const big = JSON.stringify({ type: 'response.create', input: Array.from({ length: 4000 }, (_, i) => `item ${i % 97} of the conversation`).join(' ') });
      sendFragmented(ws.client, '{"type":"response.create","model":"gpt-5","input":"first"}', 3);
      sendFragmented(ws.client, big, 5);
      ws.client.send('not compressed', { compress: false });
      ws.client.send(Buffer.from([0, 1, 2, 3, 254, 255]), { binary: true });
      await untilReceived(ws.serverReceived, 4);
      for (const m of ws.serverReceived.slice(0, 2)) {
        sendFragmented(ws.server, JSON.stringify({ type: 'response.output_text.delta', delta: m.data.slice(0, 40) }), 4);
        ws.server.send(JSON.stringify({ type: 'response.completed', echo: m.data.length }));
      }
      ws.server.ping('keepalive');
      await untilReceived(ws.clientReceived, 4);
      await ws.close(1000, 'done');

      const { response, end, events, settings } = await decode(ws.chunks);
      assert.equal(response.data.status, 101);
      assert.equal(end.data.end, true);
      assert.equal(end.data.aborted, undefined);
      const messages = (direction: string) => events.filter((e) => e.direction === direction && e.event !== 'close').map((e) => ({ kind: e.event, data: e.data }));
      assert.deepEqual(messages('egress'), ws.serverReceived);
      assert.deepEqual(messages('ingress'), ws.clientReceived);
      assert.deepEqual(events.filter((e) => e.event === 'close').map((e) => `${e.direction} ${e.data}`), ['egress 1000 done', 'ingress 1000 done']);
      assert.ok(events.every((e) => e.error === undefined));
      assert.equal(settings.telemetry.errorCount(), 0);
      assert.equal(settings.telemetry.counter('websocket_deflate_sessions'), 1);
      assert.equal(settings.telemetry.counter('websocket_pings'), 1);
    });
  }
});
