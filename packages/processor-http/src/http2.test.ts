// HTTP/2 from real frames (node's http2 client and server, recorded through a relay): streams
// kept apart, bodies, SSE, trailers, resets, a capture that joins mid-connection, lost bytes.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { describe, it } from 'node:test';
import { validateEvent, type HttpRequest, type HttpResponse, type OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer } from '@oisp/core/testing';
import { createDefaultConfig } from './config.ts';
import { HttpProcessor } from './http-processor.ts';
import { CaptureScript, testConn } from './internal/capture-script.ts';
import { h2Request, recordH2, type Recorded } from './internal/h2-recording.ts';

type Req = OispEvent<'http.request', HttpRequest>;
type Res = OispEvent<'http.response', HttpResponse>;

async function decode(chunks: Recorded[], opts: { from?: number; lose?: { index: number; bytes: number } } = {}) {
  const script = new CaptureScript(testConn('h2conn', { sni: 'api.openai.com' }));
  chunks.forEach((c, i) => {
    if (i < (opts.from ?? 0)) return script.lose(c.direction, c.bytes.length);
    if (opts.lose && i === opts.lose.index) {
      script.lose(c.direction, opts.lose.bytes);
      return script.chunk(c.direction, c.bytes.subarray(opts.lose.bytes));
    }
    script.chunk(c.direction, c.bytes);
  });
  script.close();
  const settings = createTestSettings('http');
  const sink = new SinkConsumer();
  const p = new HttpProcessor(settings, createDefaultConfig(), sink);
  await p.start();
  // The receiver's first offset for a connection it joins is 0: rebase so the capture starts there.
  const first = script.events.find((e) => e.event_type === 'capture.data');
  const base = { egress: 0, ingress: 0 };
  if (opts.from) {
    for (const e of script.events) {
      const d = e.data as { direction?: 'egress' | 'ingress'; offset?: number };
      if (e.event_type === 'capture.data' && d.direction && base[d.direction] === 0) base[d.direction] = d.offset!;
    }
    for (const e of script.events) {
      const d = e.data as { direction?: 'egress' | 'ingress'; offset?: number };
      if (e.event_type === 'capture.data') d.offset! -= base[d.direction!];
    }
  }
  void first;
  await p.consume(script.events);
  await p.shutdown();
  for (const e of sink.events) assert.deepEqual(validateEvent(e).errors, [], e.event_type);
  assert.equal(p.bufferedBytes, 0, 'everything released');
  return { requests: sink.events.filter((e) => e.event_type === 'http.request') as Req[], responses: sink.events.filter((e) => e.event_type === 'http.response') as Res[], settings };
}

describe('HTTP/2', () => {
  it('20 concurrent streams on one connection: each its own exchange, bodies and headers exact', async () => {
    const h2 = await recordH2((stream, headers) => {
      let body = '';
      stream.on('data', (d) => (body += d));
      stream.on('end', () => {
        const n = JSON.parse(body).n;
        stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-n': String(n) });
        // Interleaved writes: the response arrives in several DATA frames.
        stream.write(`{"n":${n},"echo":`);
        setTimeout(() => stream.end(`${JSON.stringify(headers['x-tag'])}}`), n % 3);
      });
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => h2Request(h2.client, { ':method': 'POST', ':path': `/v1/chat/completions?n=${n}`, 'content-type': 'application/json', 'x-tag': `tag-${n}`, authorization: 'Bearer sk-test' }, JSON.stringify({ n, pad: 'x'.repeat(n * 500) }))),
    );
    await h2.close();
    const { requests, responses } = await decode(h2.chunks);
    assert.equal(requests.length, 20);
    assert.equal(responses.length, 20);
    for (let n = 0; n < 20; n++) {
      const req = requests.find((r) => r.data.url === `/v1/chat/completions?n=${n}`)!;
      assert.ok(req, `request ${n}`);
      assert.equal(req.data.method, 'POST');
      assert.equal(req.data.http_version, '2');
      assert.deepEqual(req.data.headers['x-tag'], [`tag-${n}`]);
      assert.equal(req.data.host, `127.0.0.1:${req.data.host?.split(':')[1]}`);
      assert.deepEqual(JSON.parse(req.data.body!.text!), { n, pad: 'x'.repeat(n * 500) });
      const res = responses.find((r) => r.data.exchange_id === req.data.exchange_id)!;
      assert.equal(res.data.status, 200);
      assert.equal(res.data.body?.text, results[n].body);
      assert.deepEqual(res.data.headers['x-n'], [String(n)]);
      assert.equal(res.data.url, req.data.url);
    }
  });

  it('SSE over HTTP/2 with trailers, and a stream reset mid-response', async () => {
    const h2 = await recordH2((stream, headers) => {
      if (headers[':path'] === '/abandoned') {
        // A long stream the client gives up on (RST_STREAM from the client).
        stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
        stream.write('data: {"partial":true}\n\n');
        stream.on('close', () => {});
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'text/event-stream' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-usage': '42' }));
      let i = 0;
      const tick = () => (i < 3 ? (stream.write(`data: {"i":${i++}}\n\n`), setTimeout(tick, 2)) : stream.end('data: [DONE]\n\n'));
      tick();
    });
    const sse = await h2Request(h2.client, { ':method': 'GET', ':path': '/stream' });
    await new Promise<void>((resolve) => {
      const req = h2.client.request({ ':method': 'GET', ':path': '/abandoned' });
      req.on('data', () => {
        req.close(http2.constants.NGHTTP2_CANCEL);
        resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 20));
    await h2.close();
    assert.deepEqual(sse.trailers?.['x-usage'], '42');
    const { requests, responses } = await decode(h2.chunks);
    const sseRes = responses.find((r) => r.data.url === '/stream')!;
    assert.deepEqual(sseRes.data.stream?.events.map((e) => e.data), ['{"i":0}', '{"i":1}', '{"i":2}', '[DONE]']);
    assert.deepEqual(sseRes.data.trailers, { 'x-usage': ['42'] });
    const resetRes = responses.find((r) => r.data.url === '/abandoned')!;
    assert.equal(resetRes.data.aborted, true);
    assert.deepEqual(resetRes.data.stream?.events.map((e) => e.data), ['{"partial":true}']);
    assert.equal(requests.length, 2);
  });

  it('a capture that joins mid-connection recovers on the next streams; what the table cannot resolve is flagged, never guessed', async () => {
    const h2 = await recordH2((stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-server': 'mock' });
      stream.end(JSON.stringify({ path: headers[':path'] }));
    });
    for (let n = 0; n < 3; n++) await h2Request(h2.client, { ':method': 'POST', ':path': '/v1/embeddings', 'content-type': 'application/json', 'x-api-key': 'k', 'x-n': String(n) }, `{"n":${n}}`);
    const joinAt = h2.chunks.length;
    for (let n = 3; n < 6; n++) await h2Request(h2.client, { ':method': 'POST', ':path': '/v1/embeddings', 'content-type': 'application/json', 'x-api-key': 'k', 'x-n': String(n) }, `{"n":${n}}`);
    await h2.close();
    const { requests, responses, settings } = await decode(h2.chunks, { from: joinAt });
    assert.equal(settings.telemetry.counter('http2_connections_joined_mid_way'), 1);
    assert.equal(requests.length, 3);
    assert.equal(responses.length, 3);
    for (const r of requests) {
      assert.equal(r.data.method, 'POST');
      assert.deepEqual(JSON.parse(r.data.body!.text!).n >= 3, true);
      // Every header we give is one the client really sent; the rest are counted, not guessed.
      const sent: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': 'k', 'x-n': String(JSON.parse(r.data.body!.text!).n) };
      for (const [name, values] of Object.entries(r.data.headers)) {
        if (name === ':authority' || name === 'content-length') continue;
        assert.deepEqual(values, [sent[name]], name);
      }
      assert.equal(Object.keys(r.data.headers).filter((n) => n in sent).length + (r.data.headers_unresolved ?? 0) >= 3, true);
    }
    // The requests after joining reference entries indexed before we joined: flagged.
    assert.ok((requests[0].data.headers_unresolved ?? 0) > 0);
    assert.ok(settings.telemetry.counter('h2_header_fields_unresolved') > 0);
  });

  it('lost bytes inside a stream abort that exchange; the connection goes on', async () => {
    const h2 = await recordH2((stream) => {
      stream.respond({ ':status': 200 });
      stream.end('y'.repeat(20_000));
    });
    await h2Request(h2.client, { ':method': 'GET', ':path': '/one' });
    const before = h2.chunks.length;
    await h2Request(h2.client, { ':method': 'GET', ':path': '/two' });
    await h2Request(h2.client, { ':method': 'GET', ':path': '/three' });
    await h2.close();
    // Lose bytes inside the first big ingress chunk of /two's response.
    const index = h2.chunks.findIndex((c, i) => i >= before && c.direction === 'ingress' && c.bytes.length > 1000);
    const { requests, responses, settings } = await decode(h2.chunks, { lose: { index, bytes: 100 } });
    assert.equal(requests.length, 3);
    const two = responses.find((r) => r.data.url === '/two');
    assert.ok(!two || two.data.aborted, '/two is aborted (or lost), never complete');
    const three = responses.find((r) => r.data.url === '/three')!;
    assert.equal(three.data.body?.text?.length, 20_000, 'the next stream decodes whole');
    assert.ok(settings.telemetry.counter('bytes_lost') === 100);
  });
  it('bad input: a second response on a stream whose request is still arriving lets go of the first, counted', async () => {
    const frame = (type: number, flags: number, stream: number, payload: number[]) => {
      const b = Buffer.alloc(9 + payload.length);
      b.writeUIntBE(payload.length, 0, 3);
      b[3] = type;
      b[4] = flags;
      b.writeUInt32BE(stream, 5);
      Buffer.from(payload).copy(b, 9);
      return b;
    };
    const HEADERS = 1;
    const END_STREAM = 1;
    const END_HEADERS = 4;
    const script = new CaptureScript(testConn('h2bad'));
    // POST / (static table entries only), its body never ends; then two responses on stream 1.
    script.chunk('egress', Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(4, 0, 0, []), frame(HEADERS, END_HEADERS, 1, [0x83, 0x84, 0x87])]));
    script.chunk('ingress', Buffer.concat([frame(4, 0, 0, []), frame(HEADERS, END_HEADERS | END_STREAM, 1, [0x88])]));
    script.chunk('ingress', frame(HEADERS, END_HEADERS | END_STREAM, 1, [0x88]));
    const settings = createTestSettings('http');
    const p = new HttpProcessor(settings, createDefaultConfig(), new SinkConsumer());
    await p.start();
    await p.consume(script.events);
    assert.equal(p.bufferedBytes, p.heldBytesByConnections(), 'the account matches what the connection holds');
    assert.equal(settings.telemetry.counts().dropped.response_superseded, 1);
    await p.shutdown();
    assert.equal(p.bufferedBytes, 0, 'everything released');
  });
});

