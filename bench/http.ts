// bench/http.ts: the http processor on a recorded mix of capture events built in memory —
// small JSON exchanges, long SSE streams (OpenAI chat.completion.chunk), large gzip bodies, HTTP/2
// (JSON calls, and gRPC unary calls, 50 concurrent streams a connection, recorded from node's http2),
// WebSocket sessions (Responses over a WebSocket, permessage-deflate with context takeover, recorded
// from the ws library: as many messages as an SSE stream has events) — beside the floor: JSON.parse of the same bodies from one pre-built buffer (for gRPC, base64 of
// the messages, what the processor must at least produce), in the same run.
// Run: node bench/http.ts [scale]   (scale 1 = ~130 MB of capture data)
import zlib from 'node:zlib';
import type { OispEvent } from '@oisp/core';
import { createTestSettings } from '@oisp/core/testing';
import { createDefaultConfig } from '../packages/processor-http/src/config.ts';
import { HttpProcessor } from '../packages/processor-http/src/http-processor.ts';
import { CaptureScript, testConn } from '../packages/processor-http/src/internal/capture-script.ts';
import { h2Request, recordH2, type Recorded } from '../packages/processor-http/src/internal/h2-recording.ts';
import { recordWebSocket, untilReceived } from '../packages/processor-http/src/internal/ws-recording.ts';

const scale = Number(process.argv[2] ?? 1);
const SMALL_EXCHANGES = Math.round(20_000 * scale);
const SSE_STREAMS = Math.round(200 * scale);
const SSE_EVENTS = 500;
const GZIP_BODIES = Math.round(40 * scale);
const H2_CONNECTIONS = Math.round(200 * scale);
const WS_SESSIONS = Math.round(200 * scale);

interface Part {
  name: string;
  /** What the floor does with each body: JSON.parse, or base64 (gRPC's binary messages). */
  floor?: 'json' | 'base64';
  events: OispEvent[];
  /** Every JSON body (request, response, each SSE data line), decoded, for the floor. */
  bodies: string[];
  exchanges: number;
}
const parts: Part[] = [];
let events: OispEvent[] = [];
let bodies: string[] = [];
let exchanges = 0;
function endPart(name: string, floor: Part['floor'] = 'json'): void {
  parts.push({ name, floor, events, bodies, exchanges });
  events = [];
  bodies = [];
  exchanges = 0;
}

function chunked(s: string): string {
  return `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
}

let connN = 0;
function script(): CaptureScript {
  return new CaptureScript(testConn(`bench-${connN++}`), 1_764_000_000_000_000_000n + BigInt(connN) * 1_000_000_000n, 20_000n);
}

// Small JSON exchanges on keep-alive connections (50 per connection).
for (let c = 0; c < SMALL_EXCHANGES / 50; c++) {
  const s = script();
  for (let i = 0; i < 50; i++) {
    const req = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: `Question number ${i}: what is ${i} + ${c}? Explain briefly.` }], temperature: 0.2, max_tokens: 256 });
    const res = JSON.stringify({ id: `chatcmpl-${c}-${i}`, object: 'chat.completion', created: 1764021911, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content: `The answer is ${i + c}. `.repeat(12), refusal: null }, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 31, completion_tokens: 60, total_tokens: 91 }, system_fingerprint: 'fp_0ba0d124f1' });
    s.egress(`POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: application/json\r\nAuthorization: Bearer sk-XXXX\r\nUser-Agent: OpenAI/Python 1.54.0\r\nContent-Length: ${Buffer.byteLength(req)}\r\n\r\n${req}`);
    s.ingress(`HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 22:05:11 GMT\r\nContent-Type: application/json\r\nx-request-id: req_${c}_${i}\r\nopenai-processing-ms: 211\r\nContent-Length: ${Buffer.byteLength(res)}\r\n\r\n${res}`);
    bodies.push(req, res);
    exchanges++;
  }
  s.close();
  events.push(...s.events);
}

endPart('small JSON');

// Long SSE streams: one capture chunk per event, as the API flushes them.
for (let n = 0; n < SSE_STREAMS; n++) {
  const s = script();
  const req = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Write a long story.' }] });
  s.egress(`POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: application/json\r\nContent-Length: ${req.length}\r\n\r\n${req}`);
  bodies.push(req);
  s.ingress('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\nx-request-id: req_sse\r\n\r\n');
  for (let i = 0; i < SSE_EVENTS; i++) {
    const data = JSON.stringify({ id: `chatcmpl-${n}`, object: 'chat.completion.chunk', created: 1764021911, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_0ba0d124f1', choices: [{ index: 0, delta: { content: ` word${i}` }, logprobs: null, finish_reason: null }] });
    s.ingress(chunked(`data: ${data}\n\n`));
    bodies.push(data);
  }
  s.ingress(chunked('data: [DONE]\n\n') + '0\r\n\r\n');
  s.close();
  events.push(...s.events);
  exchanges++;
}

endPart('SSE streams');

// Large gzip bodies (~1 MB of JSON each), read in 16 KiB pieces.
for (let n = 0; n < GZIP_BODIES; n++) {
  const s = script();
  const json = JSON.stringify({ object: 'list', data: Array.from({ length: 4000 }, (_, i) => ({ object: 'embedding', index: i, embedding: [0.0123 * i, -0.5 * n, 0.25, i / 7].map((x) => Number(x.toFixed(6))), note: `row ${i} of body ${n}` })) });
  const gz = zlib.gzipSync(json);
  s.egress('POST /v1/embeddings HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
  s.ingress(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz]), 16 * 1024);
  s.close();
  events.push(...s.events);
  bodies.push('{}', json);
  exchanges++;
}

endPart('gzip bodies');

// HTTP/2: one real connection recorded (50 concurrent streams), replayed as many connections.
function replay(recorded: Recorded[], perConnection: string[], streams: number): void {
  for (let c = 0; c < H2_CONNECTIONS; c++) {
    const s = script();
    for (const r of recorded) s.chunk(r.direction, r.bytes);
    s.close();
    events.push(...s.events);
    bodies.push(...perConnection);
    exchanges += streams;
  }
}

{
  const jsonBodies: string[] = [];
  const h2 = await recordH2((stream) => {
    let body = '';
    stream.on('data', (d) => (body += d));
    stream.on('end', () => {
      const res = JSON.stringify({ id: `chatcmpl-${JSON.parse(body).n}`, object: 'chat.completion', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content: 'The answer is 4. '.repeat(12) }, finish_reason: 'stop' }], usage: { prompt_tokens: 31, completion_tokens: 60, total_tokens: 91 } });
      jsonBodies.push(body, res);
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(res);
    });
  });
  const headers = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'api.openai.com', 'content-type': 'application/json', authorization: 'Bearer sk-XXXX' };
  await Promise.all(Array.from({ length: 50 }, (_, n) => h2Request(h2.client, headers, JSON.stringify({ model: 'gpt-4o-mini', n, messages: [{ role: 'user', content: `Question number ${n}: explain briefly.` }] }))));
  await h2.close();
  replay(h2.chunks, jsonBodies, 50);
}
endPart('HTTP/2 JSON');

{
  const messages: string[] = [];
  const grpcFrame = (m: Buffer) => {
    const head = Buffer.alloc(5);
    head.writeUInt32BE(m.length, 1);
    return Buffer.concat([head, m]);
  };
  const h2 = await recordH2((stream) => {
    const parts: Buffer[] = [];
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.on('end', () => {
      const reply = Buffer.alloc(2000, Buffer.concat(parts).subarray(5, 6));
      messages.push(Buffer.concat(parts).subarray(5).toString('base64'), reply.toString('base64'));
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(grpcFrame(reply));
    });
  });
  const headers = { ':method': 'POST', ':path': '/google.ai.generativelanguage.v1beta.GenerativeService/GenerateContent', ':authority': 'generativelanguage.googleapis.com', 'content-type': 'application/grpc', te: 'trailers' };
  await Promise.all(Array.from({ length: 50 }, (_, n) => h2Request(h2.client, headers, grpcFrame(Buffer.alloc(500 + n, n)))));
  await h2.close();
  replay(h2.chunks, messages, 50);
}
endPart('gRPC', 'base64');

// WebSocket: one Responses-over-WebSocket session recorded (a response.create, then as many server
// events as an SSE stream above has), replayed as many connections; with permessage-deflate (each
// message inflated against its direction's 32 KiB window) and without (framing and unmasking only).
for (const deflate of [true, false]) {
  const ws = await recordWebSocket('/v1/responses', deflate ? { threshold: 0 } : false);
  const messages: string[] = [JSON.stringify({ type: 'response.create', model: 'gpt-5', input: 'Write a long story.' })];
  ws.client.send(messages[0]);
  await untilReceived(ws.serverReceived, 1);
  for (let i = 0; i < SSE_EVENTS; i++) {
    const e = JSON.stringify({ type: 'response.output_text.delta', sequence_number: i, item_id: 'msg_1', output_index: 0, content_index: 0, delta: ` word${i}` });
    ws.server.send(e);
    messages.push(e);
  }
  await untilReceived(ws.clientReceived, SSE_EVENTS);
  await ws.close(1000, '');
  for (let c = 0; c < WS_SESSIONS; c++) {
    const s = script();
    for (const r of ws.chunks) s.chunk(r.direction, r.bytes);
    s.close();
    events.push(...s.events);
    bodies.push(...messages);
    exchanges++;
  }
  endPart(deflate ? 'WebSocket (deflate)' : 'WebSocket (no deflate)');
}

// (The WebSocket part stays out of the mix, so the mix compares with runs from before it.)
parts.push({
  name: 'whole mix (HTTP/1.1 parts)',
  events: parts.filter((p) => p.floor === 'json' && !p.name.startsWith('HTTP/2') && !p.name.startsWith('WebSocket')).flatMap((p) => p.events),
  bodies: parts.filter((p) => p.floor === 'json' && !p.name.startsWith('HTTP/2') && !p.name.startsWith('WebSocket')).flatMap((p) => p.bodies),
  exchanges: parts.filter((p) => p.floor === 'json' && !p.name.startsWith('HTTP/2') && !p.name.startsWith('WebSocket')).reduce((n, p) => n + p.exchanges, 0),
});

const BATCH = 256;

interface Run {
  seconds: number;
  cpu: number;
  out: number;
}

function timed(fn: () => number): Run {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  return { seconds, cpu: (c.user + c.system) / 1e6, out };
}

function runProcessor(part: Part): Run {
  const processor = new HttpProcessor(createTestSettings('http'), createDefaultConfig(), { consume: async () => {} });
  return timed(() => {
    let out = 0;
    // Exchanges' messages: a WebSocket's http.websocket events (as many as the batches its messages span) are not counted.
    for (let i = 0; i < part.events.length; i += BATCH) for (const e of processor.process(part.events.slice(i, i + BATCH))) if (e.event_type !== 'http.websocket') out++;
    return out;
  });
}

// The floor: the same bodies, one pre-built buffer, decode + JSON.parse each (gRPC: base64 each).
function runFloor(buffer: Buffer, offsets: number[], floor: Part['floor']): Run {
  return timed(() => {
    let parsed = 0;
    for (let i = 0; i + 1 < offsets.length; i++) {
      if (floor === 'base64') parsed += buffer.subarray(offsets[i], offsets[i + 1]).toString('base64').length > 0 ? 1 : 0;
      else if (JSON.parse(buffer.toString('utf8', offsets[i], offsets[i + 1])) !== undefined) parsed++;
    }
    return parsed;
  });
}

const best = (runs: Run[]) => runs.sort((a, b) => a.seconds - b.seconds)[0];
for (const part of parts) {
  const wireBytes = part.events.reduce((n, e) => n + (e.event_type === 'capture.data' ? e.data.data.length : 0), 0);
  // gRPC bodies are the messages' bytes (kept base64 in `bodies`).
  const raw = part.bodies.map((b) => (part.floor === 'base64' ? Buffer.from(b, 'base64') : Buffer.from(b)));
  const floorBuffer = Buffer.concat(raw);
  const offsets: number[] = [0];
  for (const b of raw) offsets.push(offsets[offsets.length - 1] + b.length);
  // Warm up both, then take the best of 5 runs each (this machine is shared: the best run is the least disturbed).
  runProcessor(part);
  runFloor(floorBuffer, offsets, part.floor);
  const p = best(Array.from({ length: 5 }, () => runProcessor(part)));
  const f = best(Array.from({ length: 5 }, () => runFloor(floorBuffer, offsets, part.floor)));
  if (p.out !== part.exchanges * 2) throw new Error(`${part.name}: expected ${part.exchanges * 2} http events, got ${p.out}`);
  if (f.out !== part.bodies.length) throw new Error('floor did not parse every body');
  const what = part.floor === 'base64' ? 'gRPC messages' : 'JSON bodies';
  console.log(`${part.name}: ${part.events.length} capture events, ${(wireBytes / 1e6).toFixed(1)} MB wire, ${part.exchanges} exchanges, ${(floorBuffer.length / 1e6).toFixed(1)} MB of ${what}`);
  console.log(`  http processor: ${p.seconds.toFixed(3)} s wall, ${p.cpu.toFixed(3)} s CPU, ${(wireBytes / 1e6 / p.seconds).toFixed(1)} MB/s, ${Math.round(part.exchanges / p.seconds)} exchanges/s`);
  console.log(`  floor (${part.floor === 'base64' ? 'base64 of the messages' : 'JSON.parse of the bodies'}): ${f.seconds.toFixed(3)} s wall, ${f.cpu.toFixed(3)} s CPU, ${(floorBuffer.length / 1e6 / f.seconds).toFixed(1)} MB/s`);
  console.log(`  ratio processor/floor: ${(p.seconds / f.seconds).toFixed(2)}x${part.name.startsWith('whole mix') ? ' (goal <= 2x)' : ''}`);
}
