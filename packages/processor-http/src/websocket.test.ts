// WebSocket after an HTTP/1.1 upgrade, through the whole processor: the 101 response goes out at
// the handshake, and the messages (direction, timestamp of the chunk that completed it) follow in
// http.websocket events at the end of the batch that completed them; the last one says the
// WebSocket ended. Frames here are built by hand, to reach what real clients do not send on purpose;
// websocket-live.test.ts checks the same against the `ws` library's own frames.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateEvent, type HttpResponse, type HttpWebSocket, type OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer } from '@oisp/core/testing';
import { createDefaultConfig, type HttpProcessorConfig } from './config.ts';
import { HttpProcessor } from './http-processor.ts';
import { CaptureScript, testConn } from './internal/capture-script.ts';
import { MessageDeflater, UPGRADE_REQUEST, upgradeResponse, wsFrame } from './internal/websocket-frame-writer.ts';
import { OPCODE } from './internal/websocket-frames.ts';

const MASK = [0x37, 0xfa, 0x21, 0x3d];

function make(config: Partial<HttpProcessorConfig> = {}) {
  const settings = createTestSettings('http');
  const sink = new SinkConsumer();
  const processor = new HttpProcessor(settings, { ...createDefaultConfig(), ...config }, sink);
  return { settings, sink, processor };
}

async function run(s: CaptureScript, config: Partial<HttpProcessorConfig> = {}, split = false) {
  const m = make(config);
  // split: every byte its own batch, so frames and headers are cut at every offset.
  if (split) for (const e of s.events) await m.processor.consume([e]);
  else await m.processor.consume(s.events);
  await m.processor.shutdown();
  for (const e of m.sink.events) assert.deepEqual(validateEvent(e).errors ?? [], [], `${e.event_type} schema-valid`);
  assert.equal(m.processor.bufferedBytes, 0, 'everything held is let go');
  const response = m.sink.events.find((e) => e.event_type === 'http.response') as OispEvent<'http.response', HttpResponse> | undefined;
  const websocket = m.sink.events.filter((e) => e.event_type === 'http.websocket') as OispEvent<'http.websocket', HttpWebSocket>[];
  if (websocket.length > 0) {
    assert.deepEqual(websocket.map((e) => e.data.end === true), websocket.map((_, i) => i === websocket.length - 1), 'one last event, with end, and it is last');
    assert.ok(websocket.every((e) => e.data.exchange_id === response?.data.exchange_id), 'on the handshake exchange');
  }
  const all = websocket.flatMap((e) => e.data.messages);
  return {
    ...m,
    response,
    websocket,
    /** The last http.websocket: how the WebSocket ended. */
    end: websocket[websocket.length - 1],
    timestamps: all.map((e) => e.ts),
    messages: all.map(({ direction, event, data, error }) => ({ direction, event, data, ...(error ? { error } : {}) })),
  };
}

/** The ts of each capture chunk, to check which chunk completed a message. */
const tsOf = (s: CaptureScript, i: number) => s.events[i].ts;

describe('WebSocket over HTTP/1.1', () => {
  it('decodes messages both ways, each with its direction and the time of the chunk that completed it', async () => {
    const s = new CaptureScript(testConn('ws-basic'));
    s.egress(UPGRADE_REQUEST);
    // The server's first message rides in the same chunk as the 101 head.
    s.ingress(Buffer.concat([Buffer.from(upgradeResponse()), wsFrame(OPCODE.text, '{"type":"session.created"}')]));
    s.egress(wsFrame(OPCODE.text, '{"type":"response.create","input":"héllo"}', { mask: MASK }));
    s.ingress(wsFrame(OPCODE.binary, Buffer.from([0, 1, 2, 255])));
    s.egress(wsFrame(OPCODE.close, Buffer.from([0x03, 0xe8, ...Buffer.from('bye')]), { mask: MASK }));
    s.ingress(wsFrame(OPCODE.close, Buffer.from([0x03, 0xe8])));
    s.close();
    const { sink, response, messages, settings, end, timestamps } = await run(s);
    assert.deepEqual(sink.events.map((e) => e.event_type), ['http.request', 'http.response', 'http.websocket']);
    assert.equal(response!.data.status, 101);
    assert.equal(response!.data.exchange_id, sink.events[0].data.exchange_id);
    assert.deepEqual(response!.data.stream, { format: 'websocket', events: [] }, 'the handshake answer says a WebSocket opened');
    assert.equal(response!.data.aborted, undefined);
    assert.equal(response!.data.last_byte_ts, tsOf(s, 1), 'the 101 ends with its head');
    assert.equal(end.data.aborted, undefined, 'both close frames seen: a clean end');
    assert.deepEqual(messages, [
      { direction: 'ingress', event: 'text', data: '{"type":"session.created"}' },
      { direction: 'egress', event: 'text', data: '{"type":"response.create","input":"héllo"}' },
      { direction: 'ingress', event: 'binary', data: Buffer.from([0, 1, 2, 255]).toString('base64') },
      { direction: 'egress', event: 'close', data: '1000 bye' },
      { direction: 'ingress', event: 'close', data: '1000' },
    ]);
    assert.deepEqual(timestamps, [1, 2, 3, 4, 5].map((i) => tsOf(s, i)));
    assert.equal(end.ts, tsOf(s, 1), 'the event dates from the chunk that completed its first message');
    assert.equal(settings.telemetry.counter('websocket_connections'), 1);
    assert.equal(settings.telemetry.counter('websocket_text_messages'), 2);
    assert.equal(settings.telemetry.errorCount(), 0);
  });

  it('joins fragments around control frames, with frames and heads cut at every byte', async () => {
    const s = new CaptureScript(testConn('ws-fragments'));
    s.egress(UPGRADE_REQUEST, 1);
    s.ingress(upgradeResponse(), 1);
    const client = Buffer.concat([
      wsFrame(OPCODE.text, '{"type":"resp', { fin: false, mask: MASK }),
      wsFrame(OPCODE.ping, 'are you there', { mask: MASK }),
      wsFrame(OPCODE.continuation, 'onse.create",', { fin: false, mask: MASK }),
      wsFrame(OPCODE.continuation, '"input":"' + 'x'.repeat(70_000) + '"}', { mask: MASK }), // a 64-bit length
    ]);
    s.egress(client, 1);
    s.ingress(Buffer.concat([wsFrame(OPCODE.pong, 'are you there'), wsFrame(OPCODE.text, '{"a":', { fin: false }), wsFrame(OPCODE.continuation, '1}')]), 1);
    s.close();
    const { messages, end, settings } = await run(s, {}, true);
    assert.deepEqual(messages, [
      { direction: 'egress', event: 'text', data: '{"type":"response.create","input":"' + 'x'.repeat(70_000) + '"}' },
      { direction: 'ingress', event: 'text', data: '{"a":1}' },
    ]);
    assert.equal(end.data.aborted, true, 'no close frames: the WebSocket did not end cleanly');
    assert.equal(settings.telemetry.counter('websocket_pings'), 1);
    assert.equal(settings.telemetry.counter('websocket_pongs'), 1);
  });

  for (const takeover of [true, false]) {
    it(`inflates permessage-deflate messages ${takeover ? 'with' : 'without'} context takeover, fragmented`, async () => {
      const s = new CaptureScript(testConn(`ws-deflate-${takeover}`));
      s.egress(UPGRADE_REQUEST);
      s.ingress(upgradeResponse(takeover ? 'permessage-deflate' : 'permessage-deflate; client_no_context_takeover; server_no_context_takeover'));
      const client = new MessageDeflater(takeover);
      const server = new MessageDeflater(takeover);
      const texts = ['{"type":"response.create","model":"gpt-5","input":"What is the weather in Paris?"}', '{"type":"response.create","model":"gpt-5","input":"What is the weather in Paris? And in Rome?"}'];
      for (const text of texts) {
        const c = client.compress(text);
        const cut = Math.floor(c.length / 2);
        // RSV1 on the first fragment only; the compressed bytes are split across frames.
        s.egress(wsFrame(OPCODE.text, c.subarray(0, cut), { fin: false, rsv1: true, mask: MASK }));
        s.egress(wsFrame(OPCODE.continuation, c.subarray(cut), { mask: MASK }));
        s.ingress(wsFrame(OPCODE.text, server.compress(`{"echo":${JSON.stringify(text)}}`), { rsv1: true }));
      }
      s.ingress(wsFrame(OPCODE.text, 'not compressed'));
      s.close();
      const { messages, settings } = await run(s);
      assert.deepEqual(messages, [
        { direction: 'egress', event: 'text', data: texts[0] },
        { direction: 'ingress', event: 'text', data: `{"echo":${JSON.stringify(texts[0])}}` },
        { direction: 'egress', event: 'text', data: texts[1] },
        { direction: 'ingress', event: 'text', data: `{"echo":${JSON.stringify(texts[1])}}` },
        { direction: 'ingress', event: 'text', data: 'not compressed' },
      ]);
      assert.equal(settings.telemetry.counter('websocket_deflate_sessions'), 1);
      assert.equal(settings.telemetry.errorCount(), 0);
    });
  }

  it('says so when a compressed message cannot be inflated, and that later ones with context takeover cannot either', async () => {
    const s = new CaptureScript(testConn('ws-deflate-broken'));
    s.egress(UPGRADE_REQUEST);
    s.ingress(upgradeResponse('permessage-deflate'));
    const server = new MessageDeflater(true);
    server.compress('a message the capture never saw'); // the window the next ones refer to is missing
    s.ingress(wsFrame(OPCODE.text, server.compress('a message the capture never saw, again'), { rsv1: true }));
    s.ingress(wsFrame(OPCODE.text, server.compress('and another'), { rsv1: true }));
    s.close();
    const { messages } = await run(s);
    assert.equal(messages.length, 2);
    assert.match(messages[0].error!, /^permessage-deflate: a message did not inflate \(invalid distance too far back\)$/);
    assert.match(messages[1].error!, /later messages refer back to it/);
  });

  it('keeps a message over max_body_bytes out, saying so, and reads on', async () => {
    const s = new CaptureScript(testConn('ws-big'));
    s.egress(UPGRADE_REQUEST);
    s.ingress(upgradeResponse());
    s.ingress(wsFrame(OPCODE.text, 'y'.repeat(5000)));
    s.ingress(wsFrame(OPCODE.text, 'small'));
    s.close();
    const { messages, settings } = await run(s, { max_body_bytes: 4096 });
    assert.deepEqual(messages, [
      { direction: 'ingress', event: 'text', data: '', error: 'message over max_body_bytes (4096): 5000 bytes on the wire not kept' },
      { direction: 'ingress', event: 'text', data: 'small' },
    ]);
    assert.equal(settings.telemetry.counter('websocket_messages_over_max_body_bytes'), 1);
  });

  it('stops one direction at a bad frame (naming the byte offset); the other reads on', async () => {
    const s = new CaptureScript(testConn('ws-bad'));
    s.egress(UPGRADE_REQUEST);
    s.ingress(upgradeResponse());
    s.ingress(wsFrame(OPCODE.text, 'fine'));
    s.ingress(Buffer.from([0x83, 0x00])); // reserved opcode 0x3, at byte 6 of the ingress WebSocket stream
    s.ingress(wsFrame(OPCODE.text, 'never read'));
    s.egress(wsFrame(OPCODE.text, 'still read', { mask: MASK }));
    s.close();
    const { messages, settings } = await run(s);
    assert.deepEqual(messages, [
      { direction: 'ingress', event: 'text', data: 'fine' },
      { direction: 'ingress', event: 'error', data: '', error: 'reserved opcode 0x3 in the frame header at byte 6; the rest of this direction is not read' },
      { direction: 'egress', event: 'text', data: 'still read' },
    ]);
    assert.equal(settings.telemetry.errorCount('bad_websocket_frame'), 1);
  });

  it('stays in step after a gap inside a payload; loses the framing after a gap between frames', async () => {
    const s = new CaptureScript(testConn('ws-gap'));
    s.egress(UPGRADE_REQUEST);
    s.ingress(upgradeResponse());
    const frame = wsFrame(OPCODE.text, 'abcdefghijklmnopqrstuvwxyz');
    s.ingress(frame.subarray(0, 8));
    s.lose('ingress', 10); // inside the payload: its end is still known
    s.ingress(frame.subarray(18));
    s.ingress(wsFrame(OPCODE.text, 'after the gap'));
    s.lose('ingress', 5); // between frames: where the next one starts is lost
    s.ingress(wsFrame(OPCODE.text, 'unreachable'));
    s.close();
    const { messages, end, settings } = await run(s);
    assert.deepEqual(messages, [
      { direction: 'ingress', event: 'text', data: '', error: '10 bytes lost in the capture: 26 bytes on the wire not kept' },
      { direction: 'ingress', event: 'text', data: 'after the gap' },
      { direction: 'ingress', event: 'error', data: '', error: 'capture gap of 5 bytes at byte 43: the frames after it cannot be found; the rest of this direction is not read' },
    ]);
    assert.equal(end.data.aborted, true);
    assert.equal(settings.telemetry.counter('websocket_bytes_lost'), 15);
    assert.equal(settings.telemetry.errorCount('websocket_framing_lost'), 1);
  });

  it('flags a message still unfinished when the connection closes', async () => {
    const s = new CaptureScript(testConn('ws-unfinished'));
    s.egress(UPGRADE_REQUEST);
    s.ingress(upgradeResponse());
    s.ingress(wsFrame(OPCODE.text, 'part one, ', { fin: false }));
    s.close();
    const { messages, end } = await run(s);
    assert.deepEqual(messages, [{ direction: 'ingress', event: 'text', data: '', error: 'message unfinished when the WebSocket ended (10 payload bytes seen)' }]);
    assert.equal(end.data.aborted, true);
  });

  it('hands each message on at the end of the batch that completed it, with the WebSocket still open', async () => {
    const { sink, processor } = make();
    const s = new CaptureScript(testConn('ws-live'));
    s.egress(UPGRADE_REQUEST);
    s.ingress(upgradeResponse());
    await processor.consume(s.events.splice(0));
    assert.deepEqual(sink.events.map((e) => `${e.event_type} ${e.data.status ?? ''}`.trim()), ['http.request', 'http.response 101'], 'the 101 is out at the handshake');
    const frame = wsFrame(OPCODE.text, '{"type":"response.create"}', { mask: MASK });
    s.egress(frame.subarray(0, 5));
    await processor.consume(s.events.splice(0));
    assert.equal(sink.events.length, 2, 'half a message: nothing to hand on');
    s.egress(frame.subarray(5));
    s.ingress(wsFrame(OPCODE.text, '{"type":"response.created"}'));
    s.ingress(wsFrame(OPCODE.text, '{"type":"response.completed"}'));
    await processor.consume(s.events.splice(0));
    const third = sink.events[2] as OispEvent<'http.websocket', HttpWebSocket>;
    assert.equal(third.event_type, 'http.websocket');
    assert.deepEqual(third.data.messages.map((m) => `${m.direction} ${m.data}`), ['egress {"type":"response.create"}', 'ingress {"type":"response.created"}', 'ingress {"type":"response.completed"}'], 'one event for the messages of one batch');
    assert.equal(third.data.end, undefined, 'the WebSocket goes on');
    assert.equal(processor.bufferedBytes, 0, 'nothing held between messages');
    await processor.consume([]);
    assert.equal(sink.events.length, 3, 'a batch that completes no message hands nothing on');
    s.close();
    await processor.consume(s.events.splice(0));
    assert.deepEqual(sink.events.slice(3).map((e) => e.data), [{ exchange_id: third.data.exchange_id, conn: third.data.conn, messages: [], end: true, aborted: true }]);
  });

  it('holds nothing for a long-lived WebSocket between batches, however many messages it carried', async () => {
    const { sink, processor } = make();
    const s = new CaptureScript(testConn('ws-long'));
    s.egress(UPGRADE_REQUEST);
    s.ingress(upgradeResponse());
    await processor.consume(s.events.splice(0));
    for (let turn = 0; turn < 500; turn++) {
      s.egress(wsFrame(OPCODE.text, `{"type":"response.create","turn":${turn}}`, { mask: MASK }));
      s.ingress(wsFrame(OPCODE.text, `{"type":"response.completed","answer":"${'z'.repeat(1000)}"}`));
      await processor.consume(s.events.splice(0));
      assert.equal(processor.bufferedBytes, 0, `turn ${turn}: nothing held once its messages went out`);
    }
    const messages = sink.events.filter((e) => e.event_type === 'http.websocket').flatMap((e) => (e.data as HttpWebSocket).messages);
    assert.equal(messages.length, 1000);
    assert.ok(processor.peakBufferedBytes < 8 * 1024, `peak ${processor.peakBufferedBytes} B: one batch's messages`);
  });

  it('counts the messages memory cannot hold in an error message of the direction, and hands the rest on', async () => {
    const s = new CaptureScript(testConn('ws-memory'));
    s.egress(UPGRADE_REQUEST);
    s.ingress(upgradeResponse());
    for (let i = 0; i < 30; i++) s.ingress(wsFrame(OPCODE.text, `{"n":${i},"pad":"${'p'.repeat(300)}"}`));
    s.close();
    const { messages, settings } = await run(s, { max_buffered_bytes: 8192, max_header_bytes: 4096 });
    const kept = messages.filter((m) => m.event === 'text');
    const error = messages.filter((m) => m.event === 'error');
    assert.ok(kept.length > 0 && kept.length < 30, `${kept.length} kept`);
    assert.deepEqual(error, [{ direction: 'ingress', event: 'error', data: '', error: `${30 - kept.length} WebSocket messages not kept: max_buffered_bytes reached` }]);
    assert.equal(settings.telemetry.counter('websocket_messages_not_kept'), 30 - kept.length);
  });

  it('leaves other upgrades (h2c) and CONNECT tunnels alone, as before', async () => {
    const s = new CaptureScript(testConn('h2c'));
    s.egress('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    s.ingress('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    s.ingress(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
    s.close();
    const { sink, settings } = await run(s);
    assert.deepEqual(sink.events.map((e) => e.event_type), ['http.request', 'http.response']);
    assert.equal(sink.events[1].data.stream, undefined);
    assert.equal(settings.telemetry.counter('upgraded_connections'), 1);
    assert.equal(settings.telemetry.counter('websocket_connections'), 0);
  });
});
