// Writes testdata/http2-streams/input.jsonl: a real HTTP/2 connection (node's http2 client and
// server through a recording relay) as capture events — concurrent JSON calls, an SSE stream with
// trailers, a gzip body, and gRPC (a unary call with gzip-compressed messages both ways, a server
// stream, a trailers-only error). It feeds the fixture table and the fuzzer's corpus.
// Run: node packages/processor-http/testdata/make-http2-input.ts, then UPDATE_FIXTURES=1 and review.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serializeEvent } from '@oisp/core';
import { CaptureScript, testConn } from '../src/internal/capture-script.ts';
import { h2Request, recordH2 } from '../src/internal/h2-recording.ts';

/** gRPC's length-prefixed message, compressed with gzip when asked. */
function grpcFrame(message: string, gzip = false): Buffer {
  const bytes = gzip ? zlib.gzipSync(message) : Buffer.from(message);
  const head = Buffer.alloc(5);
  head[0] = gzip ? 1 : 0;
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

const h2 = await recordH2((stream, headers) => {
  const path = headers[':path'];
  if (String(headers['content-type']).startsWith('application/grpc')) {
    stream.resume();
    stream.on('end', () => {
      if (path === '/oisp.test.Echo/Fail') {
        // Trailers-only: the status in the only HEADERS frame.
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'no%20such%20note' }, { endStream: true });
        return;
      }
      const gzip = path === '/oisp.test.Echo/Say';
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...(gzip ? { 'grpc-encoding': 'gzip' } : {}) }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'OK' }));
      const replies = gzip ? ['said: hello'] : ['one', 'two', 'three'];
      stream.end(Buffer.concat(replies.map((r) => grpcFrame(r, gzip))));
    });
    return;
  }
  if (path === '/v1/chat/completions/stream') {
    stream.respond({ ':status': 200, 'content-type': 'text/event-stream' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-usage-total': '12' }));
    stream.write('data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n');
    setTimeout(() => stream.end('data: {"choices":[{"delta":{"content":"lo"}}]}\n\ndata: [DONE]\n\n'), 3);
    return;
  }
  if (path === '/v1/models') {
    stream.respond({ ':status': 200, 'content-type': 'application/json', 'content-encoding': 'gzip' });
    stream.end(zlib.gzipSync(JSON.stringify({ data: [{ id: 'gpt-4o-mini' }] })));
    return;
  }
  let body = '';
  stream.on('data', (d) => (body += d));
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ id: `chatcmpl-${JSON.parse(body).n}`, choices: [{ message: { role: 'assistant', content: 'ok' } }] }));
  });
});
const json = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'api.openai.com', 'content-type': 'application/json', authorization: 'Bearer sk-fixture' };
await Promise.all([0, 1, 2].map((n) => h2Request(h2.client, json, JSON.stringify({ model: 'gpt-4o-mini', n }))));
await h2Request(h2.client, { ...json, ':path': '/v1/chat/completions/stream' }, JSON.stringify({ model: 'gpt-4o-mini', stream: true }));
await h2Request(h2.client, { ':method': 'GET', ':path': '/v1/models', ':authority': 'api.openai.com' });
const grpc = { ':method': 'POST', ':authority': 'api.openai.com', 'content-type': 'application/grpc', te: 'trailers' };
await h2Request(h2.client, { ...grpc, ':path': '/oisp.test.Echo/Say', 'grpc-encoding': 'gzip' }, grpcFrame('hello', true));
await h2Request(h2.client, { ...grpc, ':path': '/oisp.test.Echo/Count' }, grpcFrame('3'));
await h2Request(h2.client, { ...grpc, ':path': '/oisp.test.Echo/Fail' }, grpcFrame('?'));
await h2.close();

const script = new CaptureScript(testConn('conn-h2', { sni: 'api.openai.com' }));
for (const c of h2.chunks) script.chunk(c.direction, c.bytes);
script.close();
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'http2-streams');
fs.mkdirSync(dir, { recursive: true });
let n = 0;
fs.writeFileSync(path.join(dir, 'input.jsonl'), script.events.map((e) => serializeEvent({ ...e, event_id: `01JDQ7H2${String(n++).padStart(18, '0')}` })).join('\n') + '\n');
