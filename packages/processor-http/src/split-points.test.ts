// A small exchange cut at every offset gives the same http.* events: chunk boundaries inside the
// request line, a header, the CRLFCRLF, a chunk-size line, a UTF-8 sequence or an SSE event change
// nothing but timestamps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeEvent, type OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer } from '@oisp/core/testing';
import { createDefaultConfig } from './config.ts';
import { HttpProcessor } from './http-processor.ts';
import { CaptureScript, testConn } from './internal/capture-script.ts';

const REQUEST = Buffer.from(
  'POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: application/json\r\nContent-Length: 39\r\n\r\n' +
    '{"messages":[{"content":"h\u00e9 \u{1F44B}"}]}\n',
);
function chunk(s: string): string {
  return `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
}
const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nX-Multi: a\r\nx-multi: b\r\n\r\n' +
    chunk('data: {"d":"\u00e9\u{1F600}"}\n\nevent: done\r\ndata: [DONE]\r\n\r\n') +
    '0\r\n\r\n',
);

/** The events with every time-dependent field removed. */
function shape(events: OispEvent[]): unknown[] {
  return events.map((e) => {
    const j = JSON.parse(serializeEvent(e));
    delete j.event_id;
    delete j.ts;
    delete j.data.first_byte_ts;
    delete j.data.last_byte_ts;
    for (const ev of j.data.stream?.events ?? []) delete ev.ts;
    return j;
  });
}

async function run(egressCuts: number[], ingressCuts: number[]): Promise<OispEvent[]> {
  const sink = new SinkConsumer();
  const processor = new HttpProcessor(createTestSettings('http'), createDefaultConfig(), sink);
  const s = new CaptureScript(testConn('split'));
  const pieces = (buf: Buffer, cuts: number[]) => {
    const points = [0, ...cuts, buf.length];
    return points.slice(1).map((end, i) => buf.subarray(points[i], end));
  };
  for (const p of pieces(REQUEST, egressCuts)) s.chunk('egress', p);
  for (const p of pieces(RESPONSE, ingressCuts)) s.chunk('ingress', p);
  s.close();
  await processor.consume(s.events);
  assert.equal(processor.bufferedBytes, 0);
  return sink.events;
}

describe('split at every offset', () => {
  it('the whole exchange in one chunk per direction decodes fully', async () => {
    const events = await run([], []);
    assert.deepEqual(events.map((e) => e.event_type), ['http.request', 'http.response']);
    assert.equal(events[0].data.body.text, '{"messages":[{"content":"h\u00e9 \u{1F44B}"}]}\n');
    assert.deepEqual(events[1].data.headers['x-multi'], ['a', 'b']);
    assert.deepEqual(
      events[1].data.stream.events.map((e: { data: string; event?: string }) => [e.event, e.data]),
      [
        [undefined, '{"d":"\u00e9\u{1F600}"}'],
        ['done', '[DONE]'],
      ],
    );
  });

  it('gives the same events for every cut of the request, of the response, and for one-byte chunks', async () => {
    const reference = shape(await run([], []));
    for (let k = 1; k < REQUEST.length; k++) assert.deepEqual(shape(await run([k], [])), reference, `request cut at ${k}`);
    for (let k = 1; k < RESPONSE.length; k++) assert.deepEqual(shape(await run([], [k])), reference, `response cut at ${k}`);
    const every = (n: number) => Array.from({ length: n - 1 }, (_, i) => i + 1);
    assert.deepEqual(shape(await run(every(REQUEST.length), every(RESPONSE.length))), reference, 'one byte per chunk');
  });

  it('keeps each SSE event time: the chunk that completed it', async () => {
    const cut = RESPONSE.indexOf('event: done');
    const events = await run([], [cut]);
    const [first, second] = events[1].data.stream.events;
    assert.ok(first.ts < second.ts, `${first.ts} < ${second.ts}`);
    assert.equal(events[1].data.first_byte_ts, first.ts);
  });
});
