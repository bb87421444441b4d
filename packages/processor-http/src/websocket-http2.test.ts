// WebSocket over HTTP/2 (RFC 8441): an extended CONNECT (:protocol websocket) whose 200 opens the
// WebSocket on that stream. Real HTTP/2 framing (node's http2 client and server, recorded), the
// WebSocket frames written on the stream by hand, compressed with context takeover both ways.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http2 from 'node:http2';
import { describe, it } from 'node:test';
import { validateEvent, type HttpRequest, type HttpResponse, type HttpWebSocket, type OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer } from '@oisp/core/testing';
import { createDefaultConfig } from './config.ts';
import { HttpProcessor } from './http-processor.ts';
import { CaptureScript, testConn } from './internal/capture-script.ts';
import { h2Request, recordH2 } from './internal/h2-recording.ts';
import { MessageDeflater, wsFrame } from './internal/websocket-frame-writer.ts';
import { OPCODE } from './internal/websocket-frames.ts';

const MASK = [9, 8, 7, 6];

describe('WebSocket over HTTP/2 extended CONNECT', () => {
  let recorded: { direction: 'egress' | 'ingress'; bytes: Buffer }[] = [];

  it('decodes the messages on the stream, beside an ordinary request on the same connection', async () => {
    const serverDeflate = new MessageDeflater(true);
    const h2 = await recordH2((stream, headers) => {
      if (headers[':method'] !== 'CONNECT') {
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end('{"ok":true}');
        return;
      }
      stream.respond({ ':status': 200, 'sec-websocket-extensions': 'permessage-deflate' });
      const replies = ['{"type":"response.created"}', '{"type":"response.completed","response":{"type":"response.created"}}'];
      stream.on('data', () => {
        // Answer the first client message; close when the client closes.
        const reply = replies.shift();
        if (reply) stream.write(wsFrame(OPCODE.text, serverDeflate.compress(reply), { rsv1: true }));
      });
      stream.on('end', () => stream.end(wsFrame(OPCODE.close, Buffer.from([0x03, 0xe8]))));
    }, { enableConnectProtocol: true });
    const plain = await h2Request(h2.client, { ':method': 'GET', ':path': '/v1/models' });
    assert.equal(plain.status, 200);
    const ws = h2.client.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/v1/responses', ':scheme': 'https', ':authority': 'api.openai.com', 'sec-websocket-version': '13', 'sec-websocket-extensions': 'permessage-deflate' }, { endStream: false });
    await once(ws, 'response');
    const clientDeflate = new MessageDeflater(true);
    const sent = ['{"type":"response.create","model":"gpt-5","input":"hi"}', '{"type":"response.create","model":"gpt-5","input":"hi again"}'];
    const c0 = clientDeflate.compress(sent[0]);
    ws.write(Buffer.concat([wsFrame(OPCODE.text, c0.subarray(0, 5), { fin: false, rsv1: true, mask: MASK }), wsFrame(OPCODE.continuation, c0.subarray(5), { mask: MASK })]));
    await once(ws, 'data');
    ws.write(wsFrame(OPCODE.text, clientDeflate.compress(sent[1]), { rsv1: true, mask: MASK }));
    await once(ws, 'data');
    ws.end(wsFrame(OPCODE.close, Buffer.from([0x03, 0xe8]), { mask: MASK }));
    await once(ws as unknown as http2.ClientHttp2Stream, 'close');
    await h2.close();

    recorded = h2.chunks;
    const s = new CaptureScript(testConn('h2-ws'));
    for (const c of h2.chunks) s.chunk(c.direction, c.bytes);
    s.close();
    const settings = createTestSettings('http');
    const sink = new SinkConsumer();
    const p = new HttpProcessor(settings, createDefaultConfig(), sink);
    await p.consume(s.events);
    await p.shutdown();
    assert.equal(p.bufferedBytes, 0);
    for (const e of sink.events) assert.deepEqual(validateEvent(e).errors ?? [], []);
    const requests = sink.events.filter((e) => e.event_type === 'http.request') as OispEvent<'http.request', HttpRequest>[];
    const responses = sink.events.filter((e) => e.event_type === 'http.response') as OispEvent<'http.response', HttpResponse>[];
    assert.deepEqual(requests.map((r) => `${r.data.method} ${r.data.url}`), ['GET /v1/models', 'CONNECT /v1/responses']);
    assert.equal(requests[1].data.headers[':protocol']?.[0], 'websocket');
    const answer = responses.find((r) => r.data.exchange_id === requests[1].data.exchange_id)!;
    assert.equal(answer.data.status, 200);
    assert.deepEqual(answer.data.stream, { format: 'websocket', events: [] }, 'the answer goes out at its head, saying a WebSocket opened');
    const websocket = sink.events.filter((e) => e.event_type === 'http.websocket') as OispEvent<'http.websocket', HttpWebSocket>[];
    assert.ok(sink.events.indexOf(answer) < sink.events.indexOf(websocket[0]), 'the answer before the messages');
    assert.ok(websocket.every((e) => e.data.exchange_id === answer.data.exchange_id));
    const end = websocket[websocket.length - 1];
    assert.equal(end.data.end, true);
    assert.equal(end.data.aborted, undefined, 'both close frames, then the end of the stream');
    assert.deepEqual(websocket.flatMap((e) => e.data.messages).map((e) => ({ direction: e.direction, event: e.event, data: e.data })), [
      { direction: 'egress', event: 'text', data: sent[0] },
      { direction: 'ingress', event: 'text', data: '{"type":"response.created"}' },
      { direction: 'egress', event: 'text', data: sent[1] },
      { direction: 'ingress', event: 'text', data: '{"type":"response.completed","response":{"type":"response.created"}}' },
      { direction: 'egress', event: 'close', data: '1000' },
      { direction: 'ingress', event: 'close', data: '1000' },
    ]);
    assert.equal(settings.telemetry.counter('websocket_connections'), 1);
    assert.equal(settings.telemetry.errorCount(), 0);
  });

  it('replayed cut anywhere, with chunks lost and the connection closed early: never throws, lets go of everything', async () => {
    assert.ok(recorded.length > 0, 'the recording of the test above');
    let seed = 7;
    const r = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const settings = createTestSettings('http');
    const sink = new SinkConsumer();
    const p = new HttpProcessor(settings, createDefaultConfig(), sink);
    for (let iter = 0; iter < 400; iter++) {
      const s = new CaptureScript(testConn(`h2-ws-${iter}`));
      const keep = r() < 0.5 ? recorded.length : Math.floor(r() * recorded.length);
      for (const c of recorded.slice(0, keep)) {
        for (let at = 0; at < c.bytes.length; ) {
          const piece = c.bytes.subarray(at, at + 1 + Math.floor(r() * 40));
          at += piece.length;
          if (r() < 0.03) s.lose(c.direction, piece.length);
          else s.chunk(c.direction, piece);
        }
      }
      s.close();
      await p.consume(s.events);
      assert.equal(p.bufferedBytes, 0, `iteration ${iter}: everything let go at close`);
      // Every WebSocket that opened says it ended, once, whatever was lost.
      const opened = sink.events.filter((e) => e.event_type === 'http.response' && (e.data as HttpResponse).stream?.format === 'websocket').length;
      const ended = sink.events.filter((e) => e.event_type === 'http.websocket' && (e.data as HttpWebSocket).end).length;
      assert.equal(ended, opened, `iteration ${iter}: one end for each WebSocket opened`);
      sink.events.length = 0;
    }
    await p.shutdown();
    assert.equal(settings.telemetry.errorCount('internal_error'), 0, 'no bug of ours caught by the guard');
    assert.ok(settings.telemetry.counter('websocket_connections') > 100, `the replays reach the WebSocket (${settings.telemetry.counter('websocket_connections')} of 400)`);
  });
});
