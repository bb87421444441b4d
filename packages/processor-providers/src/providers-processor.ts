// The `providers` processor: http.request / http.response / http.websocket with an AI provider in,
// ai.* and agent.* out. Other events pass through untouched and in order; the http.* of decoded
// calls are consumed (unless keep_http). A request waits for its response by exchange id, bounded in
// count and time; a WebSocket to a model API is followed by exchange id until it ends, bounded in count.
import {
  newEventId,
  parseTimestamp,
  type Batch,
  type ComponentSettings,
  type Consumer,
  type HttpRequestEvent,
  type HttpResponseEvent,
  type HttpWebSocketEvent,
  type OispEvent,
  type Processor,
} from '@oisp/core';
import type { ProvidersProcessorConfig } from './config.ts';
import type { CallContext, DecodedResponse, ProviderError } from './internal/api-decoder.ts';
import { aiEmbeddingEvent, aiRequestEvent, aiResponseEvent, msBetween, toolCallEvents, toolResultEvent, type RequestFacts, type ResponseFacts } from './internal/call-events.ts';
import { header, isObject, jsonBody, type JsonResult } from './internal/http-body.ts';
import { ProviderDetector, type Detected } from './internal/provider-detector.ts';
import { providerError, statusError } from './internal/provider-error.ts';
import { PROVIDERS } from './internal/provider-table.ts';
import { findRoute, findShapeRoute, findWebSocketApi, otherCallType, type RouteMatch } from './internal/routes.ts';
import type { WebSocketApi, WebSocketCall, WebSocketCalls } from './internal/websocket-api.ts';
import { newToolResults } from './internal/tool-results.ts';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { authOf } from './internal/auth.ts';
import { applyContentMode } from './internal/content-mode.ts';
import { PriceTable } from './internal/cost.ts';
import { redactHeaders, redactText, redactUrl, redactValue } from './internal/redact.ts';
import type { AiEmbedding, AiResponse, HttpRequest, HttpResponse, HttpWebSocket } from '@oisp/core';

interface PendingCall {
  facts: RequestFacts;
  route?: RouteMatch;
  call: CallContext;
  firstByteTs: string;
  lastSeenNs: bigint;
  /** A WebSocket upgrade to a model API: not a call itself; its calls come in the messages after its 101. */
  websocket?: WebSocketUpgrade;
}

interface WebSocketUpgrade {
  api: WebSocketApi;
  upgrade: HttpRequestEvent;
  detected: Detected;
}

/** A WebSocket to a model API, open: its messages divided into calls as they come. */
interface OpenWebSocket extends WebSocketUpgrade {
  /** The handshake's answer: each call's response is built on it. */
  handshake: HttpResponseEvent;
  /** The API family is the WebSocket's (openai.realtime), its shapes the decoder's (Responses). */
  route: RouteMatch;
  calls: WebSocketCalls;
  /** Calls seen so far: each gets exchange id `<handshake>/ws<n>`. */
  seen: number;
  labels: { provider: string; api: string };
}

/** Header names providers use for their request id, when the body has none. */
const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-amzn-requestid', 'x-goog-request-id', 'cf-ray'];

/** Tool calls remembered (to time their results): bounded, oldest forgotten first. */
const MAX_REMEMBERED_TOOL_CALLS = 10_000;

function callContext(request: HttpRequestEvent['data'], params: Record<string, string>): CallContext {
  const url = request.url;
  const start = /^https?:\/\//i.test(url) ? url.indexOf('/', url.indexOf('//') + 2) : 0;
  const target = start < 0 ? '/' : url.slice(start);
  const q = target.indexOf('?');
  return {
    request,
    path: q < 0 ? target : target.slice(0, q),
    query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)),
    params,
  };
}

export class ProvidersProcessor implements Processor {
  readonly #settings: ComponentSettings;
  readonly #config: ProvidersProcessorConfig;
  readonly #next: Consumer;
  readonly #detector: ProviderDetector;
  readonly #pending = new Map<string, PendingCall>();
  readonly #webSockets = new Map<string, OpenWebSocket>();
  readonly #toolCalls = new Map<string, string>();
  #latestNs = 0n;
  readonly #prices: PriceTable;
  readonly #salt: string;

  constructor(settings: ComponentSettings, config: ProvidersProcessorConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    const configured = config.endpoints.map((e) => ({ name: e.provider, hosts: e.hosts, ports: e.ports, api: e.api }));
    this.#detector = new ProviderDetector(PROVIDERS, configured);
    this.#prices = new PriceTable(config.price_file);
    this.#salt = config.auth_hash_salt ?? machineSalt();
  }

  get pendingRequests(): number {
    return this.#pending.size;
  }

  /** Text held for the calls not finished yet on open WebSockets. */
  get webSocketHeldBytes(): number {
    let n = 0;
    for (const ws of this.#webSockets.values()) n += ws.calls.heldBytes;
    return n;
  }

  async start(): Promise<void> {}

  async consume(batch: Batch): Promise<void> {
    const out = this.process(batch);
    if (out.length > 0) await this.#next.consume(out);
  }

  /** The synchronous core of consume: one batch in, the output batch out. */
  process(batch: Batch): OispEvent[] {
    const out: OispEvent[] = [];
    for (const event of batch) {
      let consumed = false;
      if (event.event_type === 'http.request') consumed = this.#onRequest(event as HttpRequestEvent, out);
      else if (event.event_type === 'http.response') consumed = this.#onResponse(event as HttpResponseEvent, out);
      else if (event.event_type === 'http.websocket') consumed = this.#onWebSocketMessages(event as HttpWebSocketEvent, out);
      if (consumed && !this.#config.keep_http) continue;
      // HTTP passed on (not a provider's, or keep_http): its credentials stay here too.
      if (event.event_type === 'http.request' || event.event_type === 'http.response') out.push(redactHttp(event as HttpRequestEvent | HttpResponseEvent));
      else if (event.event_type === 'http.websocket') out.push(redactWebSocket(event as HttpWebSocketEvent));
      else out.push(event);
    }
    this.#expire();
    this.#flushCounts();
    return out;
  }

  async shutdown(): Promise<void> {
    if (this.#pending.size > 0) this.#settings.telemetry.add('requests_without_response', this.#pending.size);
    this.#pending.clear();
    // WebSockets whose end never came (the http processor ends them at its own shutdown): their open calls still go out, unfinished.
    const out: OispEvent[] = [];
    for (const ws of this.#webSockets.values()) this.#endWebSocket(ws, out);
    this.#webSockets.clear();
    this.#flushCounts();
    if (out.length > 0) await this.#next.consume(out);
  }

  /** Counters add up here during a batch and go to telemetry once at its end (the hot path stays cheap). */
  readonly #pendingCounts = new Map<string, { name: string; labels: Record<string, string>; n: number }>();

  #count(name: string, labels: Record<string, string>): void {
    const key = `${name}\0${Object.values(labels).join('\0')}`;
    const c = this.#pendingCounts.get(key);
    if (c) c.n++;
    else this.#pendingCounts.set(key, { name, labels, n: 1 });
  }

  #flushCounts(): void {
    for (const c of this.#pendingCounts.values()) this.#settings.telemetry.add(c.name, c.n, c.labels);
    this.#pendingCounts.clear();
  }

  /** Detect, decode and emit; true when this request was a provider call (and so is consumed). */
  #onRequest(event: HttpRequestEvent, out: OispEvent[]): boolean {
    const req = event.data;
    const ts = parseTimestamp(req.last_byte_ts);
    if (ts > this.#latestNs) this.#latestNs = ts;
    let detected: Detected | undefined = this.#detector.detect(req);
    const pathOnly = callContext(req, {}).path;
    let route = detected ? findRoute(detected.api, req.method, pathOnly) : undefined;
    // A gRPC call's body is protobuf messages, which its decoder reads from the stream events.
    const body = req.grpc ? undefined : route || !detected ? jsonBody(req.body) : undefined;
    if (!detected && this.#config.detect_api_shape) {
      const shape = findShapeRoute(req.method, pathOnly);
      if (shape && body?.ok && looksLikeModelCall(body.value)) {
        route = shape.route;
        const endpoint = req.host ?? req.conn.sni ?? req.conn.remote?.ip ?? '';
        detected = {
          api: shape.style,
          provider: { name: shape.style === 'ollama' ? 'ollama' : 'openai_compatible', endpoint, detected_by: 'api_shape', compatible_with: shape.style },
        };
      }
    }
    if (!detected) return false;
    const websocket = isWebSocketUpgrade(req) ? findWebSocketApi(pathOnly) : undefined;
    if (websocket) {
      // Not a call yet: the calls are the messages the 101 response will carry.
      this.#remember(req.exchange_id, { facts: { requestId: '', provider: detected.provider, reasons: [] }, call: callContext(req, {}), firstByteTs: req.first_byte_ts, lastSeenNs: ts, websocket: { api: websocket, upgrade: event, detected } });
      return true;
    }
    this.#remember(req.exchange_id, this.#startCall(event, detected, route, body, out));
    return true;
  }

  /** Decode a request and emit its ai.request (and the tool results it carries back); returns what its response will need. */
  #startCall(event: HttpRequestEvent, detected: Detected, route: RouteMatch | undefined, body: JsonResult | undefined, out: OispEvent[], webSocket?: WebSocketApi): PendingCall {
    const req = event.data;
    const requestId = newEventId();
    const facts: RequestFacts = { requestId, provider: detected.provider, reasons: [] };
    const call = callContext(req, route?.params ?? {});
    if (!route) {
      facts.otherType = otherCallType(call.path);
      this.#count('undecoded_calls', { type: facts.otherType });
    } else {
      facts.api = route.decoder.api;
      if (!body?.ok && !req.grpc) facts.reasons.push(`request body: ${body?.error ?? 'absent'}`);
      try {
        facts.decoded = route.decoder.decodeRequest(body?.ok ? body.value : undefined, call);
        // A model named only in the path (Gemini, Bedrock) or an Azure deployment.
        const pathModel = call.params.model ?? call.params.deployment;
        if (!facts.decoded.model && pathModel) facts.decoded.model = decodeURIComponent(pathModel);
        // Over a WebSocket every answer is streamed (the body has no `stream` to say so), and the API says what kind of call it is.
        if (webSocket) {
          facts.decoded.streaming = true;
          facts.decoded.requestType = webSocket.requestType;
        }
      } catch (err) {
        this.#decodeError(route.decoder.api, 'request', err);
        facts.reasons.push(`request not decoded: ${(err as Error).message}`);
      }
      if (req.aborted || req.bytes_lost) facts.reasons.push('request incomplete in capture');
    }
    const aiRequest = aiRequestEvent(event, facts);
    aiRequest.data.auth = authOf(req, this.#salt);
    out.push(this.#finish(aiRequest));
    this.#count('ai_requests', { provider: detected.provider.name });
    for (const result of newToolResults(facts.decoded?.messages)) {
      const callTs = this.#toolCalls.get(result.callId);
      out.push(this.#finish(toolResultEvent(event, requestId, result, callTs ? msBetween(callTs, req.first_byte_ts) : undefined)));
      this.#toolCalls.delete(result.callId);
    }
    return { facts, route, call, firstByteTs: req.first_byte_ts, lastSeenNs: parseTimestamp(req.last_byte_ts) };
  }

  #remember(exchangeId: string, pending: PendingCall): void {
    if (this.#pending.size >= this.#config.max_pending_requests) {
      const oldest = this.#pending.keys().next().value as string;
      this.#pending.delete(oldest);
      this.#settings.telemetry.dropped('pending_request_evicted', 1);
    }
    this.#pending.set(exchangeId, pending);
  }

  #onResponse(event: HttpResponseEvent, out: OispEvent[]): boolean {
    const res = event.data;
    const ts = parseTimestamp(res.last_byte_ts);
    if (ts > this.#latestNs) this.#latestNs = ts;
    const pending = this.#pending.get(res.exchange_id);
    if (!pending) return false;
    this.#pending.delete(res.exchange_id);
    if (pending.websocket) this.#openWebSocket(event, pending.websocket, out);
    else this.#finishCall(event, pending, res.status >= 200 && res.status < 300, out);
    return true;
  }

  /** The handshake's answer of a WebSocket to a model API: its calls come in the http.websocket events that follow. */
  #openWebSocket(event: HttpResponseEvent, ws: WebSocketUpgrade, out: OispEvent[]): void {
    const labels = { provider: ws.detected.provider.name, api: ws.api.api };
    // The http processor marks the handshake's answer (101, or 2xx over HTTP/2) only when a WebSocket opened.
    if (event.data.stream?.format !== 'websocket') {
      this.#count('websocket_upgrades_refused', labels);
      return;
    }
    if (this.#webSockets.size >= this.#config.max_pending_requests) {
      // The oldest is let go, its open calls out unfinished: counted, never silent.
      const [oldestId, oldest] = this.#webSockets.entries().next().value as [string, OpenWebSocket];
      this.#webSockets.delete(oldestId);
      this.#settings.telemetry.dropped('websocket_evicted', 1);
      this.#endWebSocket(oldest, out);
    }
    const query = callContext(ws.upgrade.data, {}).query;
    const route: RouteMatch = { decoder: { ...ws.api.decoder, api: ws.api.api }, params: {} };
    this.#webSockets.set(event.data.exchange_id, { ...ws, handshake: event, route, calls: ws.api.open(query, this.#config.max_websocket_call_bytes), seen: 0, labels });
  }

  /** Messages of a WebSocket followed here: each call goes out as soon as its final event is in. True when consumed. */
  #onWebSocketMessages(event: HttpWebSocketEvent, out: OispEvent[]): boolean {
    const d = event.data;
    const ws = this.#webSockets.get(d.exchange_id);
    if (!ws) return false;
    for (const m of d.messages) {
      const ts = parseTimestamp(m.ts);
      if (ts > this.#latestNs) this.#latestNs = ts;
      for (const call of ws.calls.push(m)) this.#webSocketCall(ws, call, out);
    }
    if (d.end) {
      this.#webSockets.delete(d.exchange_id);
      this.#endWebSocket(ws, out);
    }
    return true;
  }

  /** The WebSocket is over: calls still open go out, unfinished. */
  #endWebSocket(ws: OpenWebSocket, out: OispEvent[]): void {
    for (const call of ws.calls.end()) this.#webSocketCall(ws, call, out);
  }

  /** One call on a WebSocket goes the way a call over HTTP goes, its request and response read from its own messages. */
  #webSocketCall(ws: OpenWebSocket, c: WebSocketCall, out: OispEvent[]): void {
    this.#count('websocket_calls', ws.labels);
    const exchangeId = `${ws.handshake.data.exchange_id}/ws${ws.seen++}`;
    const request = webSocketRequest(ws.upgrade, c, exchangeId);
    const pending = this.#startCall(request, ws.detected, ws.route, { ok: true, value: c.body }, out, ws.api);
    const reasons: string[] = [];
    if (c.notKept > 0) {
      this.#count('websocket_calls_cut', ws.labels);
      reasons.push(`${c.notKept} answer events not kept: the call outgrew max_websocket_call_bytes`);
    }
    this.#finishCall(webSocketResponse(ws.handshake, c, exchangeId), pending, true, out, reasons);
  }

  /** Decode a response and emit its ai.response (or ai.embedding) and the tool calls it asks for. `reasons`: what is already known to be missing. */
  #finishCall(event: HttpResponseEvent, pending: PendingCall, ok: boolean, out: OispEvent[], reasons: string[] = []): void {
    const res = event.data;
    const { facts, route, call } = pending;
    let decoded: DecodedResponse = {};
    let error: ProviderError | undefined;
    const body = res.stream ? undefined : jsonBody(res.body);
    if (!ok) {
      error = (body?.ok ? providerError(body.value, res.headers) : undefined) ?? statusError(res.status, res.reason);
    } else if (route && facts.decoded) {
      if (body && !body.ok && route && !isBinaryStream(res.headers)) reasons.push(`response body: ${body.error}`);
      try {
        decoded = route.decoder.decodeResponse(res, body?.ok ? body.value : undefined, facts.decoded, call);
      } catch (err) {
        this.#decodeError(route.decoder.api, 'response', err);
        reasons.push(`response not decoded: ${(err as Error).message}`);
      }
      error = decoded.error;
    }
    if (res.bytes_lost) reasons.push(`${res.bytes_lost} response bytes lost in capture`);
    const providerRequestId = decoded.providerRequestId ?? REQUEST_ID_HEADERS.map((h) => header(res.headers, h)).find((v) => v !== undefined);
    const rf: ResponseFacts = { request: facts, requestFirstByteTs: pending.firstByteTs, decoded, error, providerRequestId, reasons };
    if (facts.decoded?.requestType === 'embedding') {
      const e = aiEmbeddingEvent(event, rf);
      this.#price(e.data, facts.provider.name);
      out.push(this.#finish(e));
    } else {
      const e = aiResponseEvent(event, rf);
      this.#price(e.data, facts.provider.name);
      out.push(this.#finish(e));
      for (const tc of toolCallEvents(event, rf)) {
        this.#rememberToolCall(tc.data.call_id, res.last_byte_ts);
        out.push(this.#finish(tc));
      }
    }
    this.#count('ai_responses', { provider: facts.provider.name, success: String(ok && !error) });
  }

  #price(data: AiResponse | AiEmbedding, provider: string): void {
    const cost = this.#prices.cost(provider, data.model?.id, data.usage);
    if (cost) data.cost = cost;
    else if (data.usage) this.#count('unpriced_calls', { provider });
  }

  /** Every event this processor makes leaves redacted, then cut to the content mode. */
  #finish<E extends OispEvent>(event: E): E {
    const paths: string[] = [];
    event.data = redactValue(event.data, 'data', paths) as E['data'];
    if (paths.length > 0) {
      event.attrs = { ...event.attrs, 'oisp.redacted': paths };
      this.#count('secrets_redacted', { type: event.event_type });
    }
    applyContentMode(event, this.#config.content);
    return event;
  }

  #rememberToolCall(id: string, ts: string): void {
    if (!id) return;
    if (this.#toolCalls.size >= MAX_REMEMBERED_TOOL_CALLS) this.#toolCalls.delete(this.#toolCalls.keys().next().value as string);
    this.#toolCalls.set(id, ts);
  }

  /** Requests older than request_ttl_ms (event time) are given up: their response will not come. */
  #expire(): void {
    const limit = this.#latestNs - BigInt(this.#config.request_ttl_ms) * 1_000_000n;
    for (const [id, p] of this.#pending) {
      if (p.lastSeenNs >= limit) break;
      this.#pending.delete(id);
      this.#settings.telemetry.add('requests_without_response', 1);
    }
  }

  #decodeError(api: string, what: string, err: unknown): void {
    // Parser messages may quote the body they failed on: redacted like everything else.
    this.#settings.telemetry.error(`decode_${what}`, `${api}: ${redactText((err as Error).message).text}`);
  }
}

/** The salt of key fingerprints when none is configured: this host's machine id (stable, local). */
function machineSalt(): string {
  try {
    return readFileSync('/etc/machine-id', 'utf8').trim() || hostname();
  } catch {
    return hostname();
  }
}

/** An http.* event as it may leave: credential headers and query parameters blanked, secrets in bodies redacted. */
function redactHttp<E extends HttpRequestEvent | HttpResponseEvent>(event: E): E {
  const paths: string[] = [];
  const d = { ...event.data } as HttpRequest & HttpResponse;
  d.headers = redactHeaders(d.headers, 'data.headers', paths);
  if (d.url !== undefined) d.url = redactUrl(d.url, 'data.url', paths);
  if (d.body?.text !== undefined) d.body = { ...d.body, text: redactValue(d.body.text, 'data.body.text', paths) as string };
  if (d.stream) d.stream = { ...d.stream, events: d.stream.events.map((e, i) => ({ ...e, data: redactValue(e.data, `data.stream.events[${i}].data`, paths) as string })) };
  if (paths.length === 0) return event;
  return { ...event, data: d, attrs: { ...event.attrs, 'oisp.redacted': paths } } as E;
}

/** An http.websocket as it may leave: secrets in its messages redacted. */
function redactWebSocket(event: HttpWebSocketEvent): HttpWebSocketEvent {
  const paths: string[] = [];
  const messages = event.data.messages.map((m, i) => ({ ...m, data: redactValue(m.data, `data.messages[${i}].data`, paths) as string }));
  if (paths.length === 0) return event;
  const data: HttpWebSocket = { ...event.data, messages };
  return { ...event, data, attrs: { ...event.attrs, 'oisp.redacted': paths } };
}

/** An HTTP/1.1 upgrade to WebSocket, or HTTP/2's extended CONNECT for one (RFC 8441). */
function isWebSocketUpgrade(req: HttpRequest): boolean {
  if (req.method === 'CONNECT') return req.headers[':protocol']?.[0]?.toLowerCase() === 'websocket';
  return req.method === 'GET' && (req.headers.upgrade ?? []).some((v) => v.toLowerCase().includes('websocket'));
}

/**
 * One call on a WebSocket as the request it amounts to: the upgrade's envelope, connection and
 * headers (its credentials, its User-Agent), the asking message's time and its body.
 */
function webSocketRequest(upgrade: HttpRequestEvent, c: WebSocketCall, exchangeId: string): HttpRequestEvent {
  const text = c.ask.data;
  return {
    ...upgrade,
    ts: c.ask.ts,
    data: { ...upgrade.data, exchange_id: exchangeId, body: { text, wire_bytes: text.length, decoded_bytes: text.length }, first_byte_ts: c.ask.ts, last_byte_ts: c.ask.ts },
  };
}

/** The call's answer as the streamed response it amounts to, on the handshake's answer: its own events, its own first and last times. */
function webSocketResponse(response: HttpResponseEvent, c: WebSocketCall, exchangeId: string): HttpResponseEvent {
  const first = c.answer[0]?.ts ?? c.ask.ts;
  const last = c.answer[c.answer.length - 1]?.ts ?? c.ask.ts;
  const data: HttpResponse = { ...response.data, exchange_id: exchangeId, stream: { format: 'websocket', events: c.answer }, first_byte_ts: first, last_byte_ts: last };
  // A call without its final event was cut short, whether or not the WebSocket closed cleanly.
  if (!c.complete) data.aborted = true;
  else delete data.aborted;
  return { ...response, ts: first, data };
}

/** An OpenAI- or Ollama-shaped model call: a model and something to answer. */
function looksLikeModelCall(body: unknown): boolean {
  return isObject(body) && typeof body.model === 'string' && (Array.isArray(body.messages) || body.prompt !== undefined || body.input !== undefined);
}

function isBinaryStream(headers: Record<string, string[]>): boolean {
  return (header(headers, 'content-type') ?? '').includes('eventstream');
}
