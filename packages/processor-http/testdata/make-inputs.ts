// Writes testdata/<scenario>/input.jsonl (and config.json where a scenario needs one): the capture
// events each fixture replays, built the way the eBPF receiver sends them (per-direction offsets,
// one chunk per SSL_read/SSL_write). Run: node packages/processor-http/testdata/make-inputs.ts
// Then regenerate expected.jsonl with UPDATE_FIXTURES=1 and REVIEW the diff by eye.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createEvent, serializeEvent, type OispEvent } from '@oisp/core';
import { CaptureScript, testConn } from '../src/internal/capture-script.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const BATCH_END = '{"batch_end":true}';

function write(name: string, batches: OispEvent[][], config?: object): void {
  const dir = path.join(here, name);
  fs.mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  let n = 0;
  batches.forEach((b, i) => {
    if (i > 0) lines.push(BATCH_END);
    // Stable ids (valid ULIDs) so regenerating an input changes only what really changed.
    for (const e of b) lines.push(serializeEvent({ ...e, event_id: `01JDQ7${String(n++).padStart(20, '0')}` }));
  });
  fs.writeFileSync(path.join(dir, 'input.jsonl'), lines.join('\n') + '\n');
  if (config) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
}

function chunk(s: string | Buffer): Buffer {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return Buffer.concat([Buffer.from(b.length.toString(16) + '\r\n'), b, Buffer.from('\r\n')]);
}

const LAST_CHUNK = '0\r\n\r\n';

function jsonRequest(method: string, url: string, host: string, body: unknown, extra = ''): string {
  const text = JSON.stringify(body);
  return `${method} ${url} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`;
}

function jsonResponse(body: unknown, extra = ''): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`;
}

// --- simple JSON exchange (also the split-at-every-offset exchange) ---
export function simpleExchange(): CaptureScript {
  const s = new CaptureScript(testConn('conn-simple'));
  s.egress(jsonRequest('POST', '/v1/embeddings', 'api.openai.com', { model: 'text-embedding-3-small', input: 'héllo wörld' }, 'User-Agent: OpenAI/Python 1.54.0\r\n'));
  s.ingress(jsonResponse({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2] }] }, 'X-Request-Id: req_123\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n'));
  s.close();
  return s;
}
write('simple-json', [simpleExchange().events]);

// --- OpenAI chat completion stream, as the API sends it (SSE over chunked, no gzip) ---
{
  const s = new CaptureScript(testConn('conn-openai', { sni: 'api.openai.com', remote: { ip: '162.159.140.245', port: 443 } }));
  const req = {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hi in French.' },
    ],
    stream: true,
    stream_options: { include_usage: true },
  };
  const body = JSON.stringify(req);
  s.egress(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\nAccept: application/json\r\nContent-Type: application/json\r\nUser-Agent: OpenAI/Python 1.54.0\r\nX-Stainless-Lang: python\r\nAuthorization: Bearer sk-proj-XXXXXXXXXXXXXXXXXXXX\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  s.egress(body);
  s.ingress(
    'HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 22:05:11 GMT\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\naccess-control-expose-headers: X-Request-ID\r\nopenai-organization: user-abc\r\nopenai-processing-ms: 211\r\nopenai-version: 2020-10-01\r\nx-ratelimit-limit-requests: 10000\r\nx-request-id: req_8f2c1e0b9a7d4c3e\r\ncf-cache-status: DYNAMIC\r\nServer: cloudflare\r\nCF-RAY: 8e7c5a1b2c3d4e5f-FRA\r\nalt-svc: h3=":443"; ma=86400\r\n\r\n',
  );
  const base = { id: 'chatcmpl-AXo3kQ9', object: 'chat.completion.chunk', created: 1764021911, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_0ba0d124f1' };
  const deltas: object[] = [
    { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
    { index: 0, delta: { content: 'Sal' }, logprobs: null, finish_reason: null },
    { index: 0, delta: { content: 'ut' }, logprobs: null, finish_reason: null },
    { index: 0, delta: { content: ' ! ' }, logprobs: null, finish_reason: null },
    { index: 0, delta: { content: '👋' }, logprobs: null, finish_reason: null },
    { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
  ];
  for (const d of deltas) s.ingress(chunk(`data: ${JSON.stringify({ ...base, choices: [d], usage: null })}\n\n`));
  s.ingress(
    chunk(
      `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 23, completion_tokens: 5, total_tokens: 28, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } } })}\n\n`,
    ),
  );
  s.ingress(chunk('data: [DONE]\n\n'));
  s.ingress(LAST_CHUNK);
  s.close();
  write('openai-sse-stream', [s.events]);
}

// --- aborted stream: the client closes mid-stream ---
{
  const s = new CaptureScript(testConn('conn-abort'));
  s.egress(jsonRequest('POST', '/v1/messages', 'api.anthropic.com', { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'count' }] }));
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n');
  s.ingress(chunk('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01","model":"claude-sonnet-4-5"}}\n\n'));
  s.ingress(chunk('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"1 2 3"}}\n\n'));
  s.ingress(chunk('event: content_block_delta\ndata: {"type":"content_block_del')); // cut mid-event
  s.close('client closed');
  write('aborted-stream', [s.events]);
}

// --- chunked + gzip with trailers ---
{
  const s = new CaptureScript(testConn('conn-gzip'));
  s.egress('GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\nAccept-Encoding: gzip\r\n\r\n');
  const models = { object: 'list', data: Array.from({ length: 20 }, (_, i) => ({ id: `model-${i}`, object: 'model', owned_by: 'system' })) };
  const gz = zlib.gzipSync(Buffer.from(JSON.stringify(models)));
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n');
  s.ingress(Buffer.concat([chunk(gz.subarray(0, 50)), chunk(gz.subarray(50, 120))]), 17);
  s.ingress(Buffer.concat([chunk(gz.subarray(120)), Buffer.from('0\r\nX-Checksum: abc123\r\n\r\n')]), 13);
  s.close();
  write('chunked-gzip-trailers', [s.events]);
}

// --- pipelining: two requests in one write, two responses in one read ---
{
  const s = new CaptureScript(testConn('conn-pipe'));
  s.egress('GET /a HTTP/1.1\r\nHost: example.com\r\n\r\nGET /b HTTP/1.1\r\nHost: example.com\r\n\r\n');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nB!');
  s.egress('POST /c HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nxyz\r\n');
  s.ingress('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
  s.close();
  write('pipelining', [s.events]);
}

// --- 100 Continue ---
{
  const s = new CaptureScript(testConn('conn-continue'));
  s.egress('PUT /upload HTTP/1.1\r\nHost: files.example.com\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n');
  s.ingress('HTTP/1.1 100 Continue\r\n\r\n');
  s.egress('hello world');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}');
  s.close();
  write('expect-100-continue', [s.events]);
}

// --- HEAD (Content-Length but no body), 204, 304 on one keep-alive connection ---
{
  const s = new CaptureScript(testConn('conn-head'));
  s.egress('HEAD /file HTTP/1.1\r\nHost: example.com\r\n\r\n');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 123456\r\n\r\n');
  s.egress('DELETE /file HTTP/1.1\r\nHost: example.com\r\n\r\n');
  s.ingress('HTTP/1.1 204 No Content\r\n\r\n');
  s.egress('GET /file HTTP/1.1\r\nHost: example.com\r\nIf-None-Match: "v1"\r\n\r\n');
  s.ingress('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 99\r\n\r\n');
  s.egress('GET /after HTTP/1.1\r\nHost: example.com\r\n\r\n');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\ndone');
  s.close();
  write('head-204-304', [s.events]);
}

// --- gap recovery: a gap inside a chunked stream aborts it; the next exchange resyncs; a gap
//     inside a Content-Length body keeps the framing ---
{
  const s = new CaptureScript(testConn('conn-gap'));
  s.egress('POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
  s.ingress(chunk('data: {"n":1}\n\n'));
  s.lose('ingress', 500); // ring buffer full: 500 bytes never arrive
  s.ingress('\r\n' + chunk('data: {"n":9}\n\n') + LAST_CHUNK); // tail of the lost stream: no start line here
  s.egress('GET /next HTTP/1.1\r\nHost: api.openai.com\r\n\r\n');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"next":true}');
  s.egress('GET /big HTTP/1.1\r\nHost: api.openai.com\r\n\r\n');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 30\r\n\r\n0123456789');
  s.lose('ingress', 10);
  s.ingress('abcdefghij');
  s.egress('GET /last HTTP/1.1\r\nHost: api.openai.com\r\n\r\n');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nlast');
  s.close();
  write('gap-recovery', [s.events]);
}

// --- out of order within a batch, duplicates, and batch boundaries ---
{
  const s = new CaptureScript(testConn('conn-ooo'));
  s.egress(jsonRequest('POST', '/v1/completions', 'localhost:11434', { model: 'llama3', prompt: 'hi' }), 20);
  s.ingress(jsonResponse({ model: 'llama3', response: 'hello there', done: true }), 25);
  s.close();
  const ev = s.events;
  const data = ev.filter((e) => e.event_type === 'capture.data');
  const close = ev[ev.length - 1];
  // Reverse the chunks of each direction, and send one chunk twice.
  const egress = data.filter((e) => e.data.direction === 'egress');
  const ingress = data.filter((e) => e.data.direction === 'ingress');
  const first = [...egress].reverse().concat([egress[1]]);
  const second = [ingress[2], ingress[0], ...ingress.slice(3).reverse(), ingress[1], ingress[0]];
  write('out-of-order', [first, second, [close]]);
}

// --- close-delimited response (no Content-Length, no chunking), HTTP/1.0 ---
{
  const s = new CaptureScript(testConn('conn-close', { transport: 'tcp', sni: undefined, remote: { ip: '127.0.0.1', port: 8080 } }));
  s.egress('GET /stream HTTP/1.0\r\n\r\n');
  s.ingress('HTTP/1.0 200 OK\r\nContent-Type: application/x-ndjson\r\n\r\n');
  s.ingress('{"model":"llama3","response":"Hel","done":false}\n{"model":"llama3","resp', 30);
  s.ingress('onse":"lo","done":false}\n{"model":"llama3","response":"","done":true}');
  s.close();
  write('close-delimited-ndjson', [s.events]);
}

// --- a local server captured: it reads the request first ---
for (const [name, decode] of [['server-side-skipped', false], ['server-side-decoded', true]] as const) {
  const s = new CaptureScript(testConn(`conn-${name}`, { transport: 'tcp', role: 'server', sni: undefined, local: { ip: '127.0.0.1', port: 11434 } }));
  s.ingress(jsonRequest('POST', '/api/chat', 'localhost:11434', { model: 'llama3', messages: [] }));
  s.egress(jsonResponse({ model: 'llama3', done: true }));
  s.close();
  write(name, [s.events], decode ? { decode_server_side: true } : undefined);
}

// --- bad input: garbage, TLS records, HTTP/2, bad chunk size, header flood; a good connection in between ---
{
  const good = new CaptureScript(testConn('conn-good'));
  const tls = new CaptureScript(testConn('conn-tls-bytes'));
  const h2 = new CaptureScript(testConn('conn-h2'));
  const badChunk = new CaptureScript(testConn('conn-bad-chunk'));
  const flood = new CaptureScript(testConn('conn-flood'));
  const junk = new CaptureScript(testConn('conn-junk-line'));
  tls.egress(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
  h2.egress('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  good.egress('GET /ok HTTP/1.1\r\nHost: example.com\r\n\r\n');
  badChunk.egress('GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n');
  badChunk.ingress('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
  flood.egress('GET /flood HTTP/1.1\r\nHost: example.com\r\n');
  for (let i = 0; i < 40; i++) flood.egress(`X-Flood-${i}: ${'a'.repeat(100)}\r\n`);
  junk.egress('HELLO THERE FRIEND\r\n\r\n');
  good.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok');
  tls.egress('GET /after-garbage HTTP/1.1\r\nHost: example.com\r\n\r\n'); // ignored: skipped until close
  for (const s of [tls, h2, badChunk, flood, junk, good]) s.close();
  const all = [...tls.events, ...h2.events, ...badChunk.events, ...flood.events, ...junk.events, ...good.events].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  write('bad-input', [all], { max_header_bytes: 2048 });
}

// --- body over max_body_bytes: cut and flagged ---
{
  const s = new CaptureScript(testConn('conn-big'));
  s.egress('GET /big HTTP/1.1\r\nHost: example.com\r\n\r\n');
  const text = 'ünïcödé-'.repeat(30); // multi-byte characters: the cut falls inside one
  s.ingress(`HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`, 64);
  s.egress('GET /sse HTTP/1.1\r\nHost: example.com\r\n\r\n');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 62\r\n\r\n' + 'data: 0123456789\n\n'.repeat(3) + 'data: 0\n');
  s.close();
  write('max-body-bytes', [s.events], { max_body_bytes: 50 });
}

// --- content encodings: br, zstd, raw deflate, zlib deflate, a broken gzip, an unknown coding ---
{
  const s = new CaptureScript(testConn('conn-enc'));
  const payload = Buffer.from(JSON.stringify({ message: 'compressed ✓', n: 42 }));
  const cases: [string, Buffer][] = [
    ['br', zlib.brotliCompressSync(payload)],
    ['zstd', zlib.zstdCompressSync(payload)],
    ['deflate', zlib.deflateRawSync(payload)],
    ['deflate', zlib.deflateSync(payload)],
    ['gzip', Buffer.concat([zlib.gzipSync(payload).subarray(0, 12), Buffer.from('not gzip at all')])],
    ['compress', Buffer.from('whatever')],
  ];
  for (const [coding, body] of cases) {
    s.egress(`GET /enc/${coding} HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n\r\n`);
    s.ingress(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-encoding: ${coding}\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
  }
  s.close();
  write('content-encodings', [s.events]);
}

// --- streams: SSE field rules (CRLF, CR, comments, multi-line data, event/id) and a JSON-array stream ---
{
  const s = new CaptureScript(testConn('conn-sse-rules'));
  s.egress('GET /events HTTP/1.1\r\nHost: example.com\r\nAccept: text/event-stream\r\n\r\n');
  s.ingress('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
  s.ingress(chunk(': keep-alive comment\r\n\r\nevent: update\r\nid: 7\r\ndata: line one\r\ndata: line two\r'), 9);
  s.ingress(chunk('\n\r\ndata:no space\rdata:  two spaces\r\rretry: 1000\nid: 8\ndata\n\n'), 4);
  s.ingress(chunk('data: unfinished at the end\n') + LAST_CHUNK);
  s.egress('POST /v1beta/models/gemini-2.0-flash:streamGenerateContent HTTP/1.1\r\nHost: generativelanguage.googleapis.com\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n');
  s.ingress(chunk('[{"candidates": [{"content": {"parts": [{"text": "Hel"}],"role": "model"}}]}\r\n'));
  s.ingress(chunk(',\r\n{"candidates": [{"content": {"parts": [{"text": "lo, \\"world\\" ]}"}],"role": "model"}}]}\r\n'), 11);
  s.ingress(chunk(',\r\n{"usageMetadata": {"promptTokenCount": 3}}\r\n]') + LAST_CHUNK);
  s.close();
  write('stream-formats', [s.events]);
}

// --- other events pass through in order; keep_raw passes capture.* on too ---
{
  const s = new CaptureScript(testConn('conn-raw'));
  const exec = createEvent('process.exec', { exe: '/usr/bin/curl', args: ['curl', 'https://example.com'], cwd: '/', ppid: 1, uid: 0 }, { ts: '2025-11-24T15:59:59.000000000Z', process: { pid: 4242 } });
  s.egress('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n<p/>\n');
  s.close();
  const exit = createEvent('process.exit', { exit_code: 0, runtime_ms: 12 }, { ts: '2025-11-24T16:00:01.000000000Z', process: { pid: 4242 } });
  write('keep-raw-passthrough', [[exec, ...s.events, exit]], { keep_raw: true });
}

// --- a gzip-encoded SSE stream: decoded and parsed when it ends (events share its last time) ---
{
  const s = new CaptureScript(testConn('conn-sse-gzip'));
  s.egress('GET /v1/stream HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: gzip\r\n\r\n');
  const gz = zlib.gzipSync(Buffer.from('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n'));
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n');
  s.ingress(chunk(gz.subarray(0, 20)));
  s.ingress(Buffer.concat([chunk(gz.subarray(20)), Buffer.from(LAST_CHUNK)]));
  s.close();
  write('sse-gzip', [s.events]);
}

// --- capture attached mid-connection: both directions start inside a message; resync on the next one ---
{
  const s = new CaptureScript(testConn('conn-midway'));
  s.lose('egress', 4000).lose('ingress', 9000);
  s.egress('ut": "the tail of an earlier request body"}');
  s.ingress('art of an earlier response body HTTP/1.1 is mentioned here but no status follows\n');
  s.egress(jsonRequest('POST', '/v1/chat/completions', 'api.openai.com', { model: 'gpt-4o-mini', messages: [] }));
  s.ingress(jsonResponse({ id: 'chatcmpl-1', choices: [] }));
  s.close();
  write('mid-connection-start', [s.events]);
}
