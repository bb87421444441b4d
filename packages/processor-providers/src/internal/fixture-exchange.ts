// Test support: an HTTP exchange written by hand (as a provider's API reference shows it) turned
// into the http.request / http.response events processor-http would make of it, with clock times
// advancing 10 ms per message and per stream event. A WebSocket's messages follow its 101 as
// http.websocket events, one per message, and a last one that ends it.
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { createEvent, formatTimestamp, type HttpHeaders, type HttpRequestEvent, type HttpResponseEvent, type HttpStreamEvent, type HttpWebSocketMessage, type OispEvent } from '@oisp/core';

export interface FixtureStreamEvent {
  /** SSE event name; for WebSocket the message kind (text when absent). */
  event?: string;
  /** WebSocket: which side sent the message. */
  direction?: 'egress' | 'ingress';
  /** An object is sent as JSON; a string as is ("[DONE]"). */
  data: unknown;
}

export interface FixtureExchange {
  request: { method?: string; url: string; host?: string; headers?: Record<string, string>; body?: unknown; sni?: string; remote_port?: number };
  response?: {
    status?: number;
    reason?: string;
    headers?: Record<string, string>;
    /** A JSON body (object) or raw text. */
    body?: unknown;
    /** Raw bytes as base64 (binary framings). */
    body_base64?: string;
    /** An AWS event stream, encoded frame by frame with @smithy/eventstream-codec (an independent encoder). */
    event_stream?: { event_type?: string; message_type?: string; exception_type?: string; json: unknown }[];
    /** A stream: SSE events, NDJSON lines, JSON-array elements or WebSocket messages (after the 101), each 10 ms after the previous. */
    stream?: { format: 'sse' | 'ndjson' | 'json_array' | 'websocket'; events: FixtureStreamEvent[] };
    /** The body was cut; for a WebSocket, it ended without its close frames. */
    aborted?: boolean;
  };
}

const T0 = 1_750_000_000_000_000_000n;
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function eventStream(frames: NonNullable<NonNullable<FixtureExchange['response']>['event_stream']>): string {
  const str = (value: string) => ({ type: 'string' as const, value });
  return Buffer.concat(
    frames.map((f) =>
      codec.encode({
        headers: {
          ':message-type': str(f.message_type ?? 'event'),
          ...(f.event_type ? { ':event-type': str(f.event_type) } : {}),
          ...(f.exception_type ? { ':exception-type': str(f.exception_type) } : {}),
          ':content-type': str('application/json'),
        },
        body: fromUtf8(JSON.stringify(f.json)),
      }),
    ),
  ).toString('base64');
}
const STEP = 10_000_000n;

function headersOf(h: Record<string, string> | undefined): HttpHeaders {
  return Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), [v]]));
}

function textOf(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

export function exchangeEvents(x: FixtureExchange, index: number): OispEvent[] {
  let clock = T0 + BigInt(index) * 1000n * STEP;
  const tick = () => formatTimestamp((clock += STEP));
  const conn = { id: `conn-${index}`, transport: 'tls' as const, generation: 0, role: 'client' as const, pid: 4242, sni: x.request.sni, remote: x.request.remote_port ? { ip: '127.0.0.1', port: x.request.remote_port } : undefined };
  if (!conn.sni) delete conn.sni;
  if (!conn.remote) delete conn.remote;
  const exchange_id = `${conn.id}:0`;
  const reqText = textOf(x.request.body);
  const host = x.request.host;
  const reqHeaders = headersOf({ ...(host ? { host } : {}), ...(reqText ? { 'content-type': 'application/json' } : {}), ...x.request.headers });
  const reqFirst = tick();
  const request: HttpRequestEvent = createEvent('http.request', {
    exchange_id, conn, http_version: '1.1', method: x.request.method ?? 'POST', url: x.request.url, headers: reqHeaders,
    first_byte_ts: reqFirst, last_byte_ts: reqFirst,
    ...(host ? { host } : {}),
    ...(reqText !== undefined ? { body: { text: reqText, wire_bytes: reqText.length, decoded_bytes: reqText.length } } : {}),
  }, { ts: reqFirst, process: { pid: 4242, name: 'agent' } });
  const out: OispEvent[] = [request];
  const r = x.response;
  if (!r) return out;
  if (r.event_stream) r.body_base64 = eventStream(r.event_stream);
  const first = tick();
  const websocket = r.stream?.format === 'websocket';
  const events: HttpStreamEvent[] = (r.stream?.events ?? []).map((e) => {
    const ev: HttpStreamEvent = { ts: tick(), data: typeof e.data === 'string' ? e.data : JSON.stringify(e.data) };
    if (e.event) ev.event = e.event;
    else if (websocket) ev.event = 'text';
    if (e.direction) ev.direction = e.direction;
    return ev;
  });
  const last = r.stream ? tick() : first;
  if (websocket) return [...out, ...webSocketEvents(request, r, events, first, last)];
  const text = r.stream ? events.map((e) => e.data).join('\n') : textOf(r.body);
  const contentType = r.event_stream ? 'application/vnd.amazon.eventstream' : r.stream?.format === 'sse' ? 'text/event-stream' : r.stream?.format === 'ndjson' ? 'application/x-ndjson' : 'application/json';
  const response: HttpResponseEvent = createEvent('http.response', {
    exchange_id, conn, http_version: '1.1', status: r.status ?? 200, headers: headersOf({ ...(contentType ? { 'content-type': contentType } : {}), ...r.headers }),
    first_byte_ts: first, last_byte_ts: last, method: x.request.method ?? 'POST', url: x.request.url,
    ...(host ? { host } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.body_base64 !== undefined ? { body: { base64: r.body_base64, wire_bytes: 0, decoded_bytes: 0 } } : text !== undefined ? { body: { text, wire_bytes: text.length, decoded_bytes: text.length } } : {}),
    ...(r.stream ? { stream: { format: r.stream.format, events } } : {}),
    ...(r.aborted ? { aborted: true } : {}),
  }, { ts: first, process: { pid: 4242, name: 'agent' } });
  out.push(response);
  return out;
}

/** The 101 at the handshake, then each message in its own http.websocket, then the end. */
function webSocketEvents(request: HttpRequestEvent, r: NonNullable<FixtureExchange['response']>, messages: HttpStreamEvent[], handshakeTs: string, endTs: string): OispEvent[] {
  const { exchange_id, conn, method, url, host } = request.data;
  const envelope = { process: { pid: 4242, name: 'agent' } };
  const response = createEvent('http.response', {
    exchange_id, conn, http_version: '1.1', status: r.status ?? 101, headers: headersOf(r.headers), first_byte_ts: handshakeTs, last_byte_ts: handshakeTs, method, url,
    ...(host ? { host } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    stream: { format: 'websocket' as const, events: [] },
  }, { ...envelope, ts: handshakeTs });
  const out: OispEvent[] = [response];
  for (const m of messages) out.push(createEvent('http.websocket', { exchange_id, conn, messages: [m as HttpWebSocketMessage] }, { ...envelope, ts: m.ts }));
  out.push(createEvent('http.websocket', { exchange_id, conn, messages: [], end: true, ...(r.aborted ? { aborted: true } : {}) }, { ...envelope, ts: endTs }));
  return out;
}

/** What a fixture pins down of an event: its type, data and confidence, with stable request ids. */
export function normalise(events: OispEvent[]): unknown[] {
  const ids = new Map<string, string>();
  const stable = (id: string) => {
    if (!ids.has(id)) ids.set(id, `request-${ids.size + 1}`);
    return ids.get(id);
  };
  return events.map((e) => {
    const data = structuredClone(e.data) as Record<string, unknown>;
    if (typeof data.request_id === 'string') data.request_id = stable(data.request_id);
    return { event_type: e.event_type, ...(e.confidence ? { confidence: e.confidence } : {}), data };
  });
}
