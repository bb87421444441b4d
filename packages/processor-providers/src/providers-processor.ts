// The `providers` processor: http.request / http.response with an AI provider in, ai.* and agent.*
// out. Other events pass through untouched and in order; the http.* of decoded calls are consumed
// (unless keep_http). A request waits for its response by exchange id, bounded in count and time.
import {
  newEventId,
  parseTimestamp,
  type Batch,
  type ComponentSettings,
  type Consumer,
  type HttpRequestEvent,
  type HttpResponseEvent,
  type OispEvent,
  type Processor,
} from '@oisp/core';
import type { ProvidersProcessorConfig } from './config.ts';
import type { CallContext, DecodedResponse, ProviderError } from './internal/api-decoder.ts';
import { aiEmbeddingEvent, aiRequestEvent, aiResponseEvent, msBetween, toolCallEvents, toolResultEvent, type RequestFacts, type ResponseFacts } from './internal/call-events.ts';
import { header, isObject, jsonBody } from './internal/http-body.ts';
import { ProviderDetector, type Detected } from './internal/provider-detector.ts';
import { providerError, statusError } from './internal/provider-error.ts';
import { PROVIDERS } from './internal/provider-table.ts';
import { findRoute, findShapeRoute, otherCallType, type RouteMatch } from './internal/routes.ts';
import { newToolResults } from './internal/tool-results.ts';

interface PendingCall {
  facts: RequestFacts;
  route?: RouteMatch;
  call: CallContext;
  firstByteTs: string;
  lastSeenNs: bigint;
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
  readonly #toolCalls = new Map<string, string>();
  #latestNs = 0n;

  constructor(settings: ComponentSettings, config: ProvidersProcessorConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    const configured = config.endpoints.map((e) => ({ name: e.provider, hosts: e.hosts, ports: e.ports, api: e.api }));
    this.#detector = new ProviderDetector(PROVIDERS, configured);
  }

  get pendingRequests(): number {
    return this.#pending.size;
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
      if (event.event_type === 'http.request') {
        if (this.#onRequest(event as HttpRequestEvent, out) && !this.#config.keep_http) continue;
      } else if (event.event_type === 'http.response') {
        if (this.#onResponse(event as HttpResponseEvent, out) && !this.#config.keep_http) continue;
      }
      out.push(event);
    }
    this.#expire();
    this.#flushCounts();
    return out;
  }

  async shutdown(): Promise<void> {
    if (this.#pending.size > 0) this.#settings.telemetry.add('requests_without_response', this.#pending.size);
    this.#pending.clear();
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
    const body = route || !detected ? jsonBody(req.body) : undefined;
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

    const requestId = newEventId();
    const facts: RequestFacts = { requestId, provider: detected.provider, reasons: [] };
    const call = callContext(req, route?.params ?? {});
    if (!route) {
      facts.otherType = otherCallType(call.path);
      this.#count('undecoded_calls', { type: facts.otherType });
    } else {
      facts.api = route.decoder.api;
      if (!body?.ok) facts.reasons.push(`request body: ${body?.error ?? 'absent'}`);
      try {
        facts.decoded = route.decoder.decodeRequest(body?.ok ? body.value : undefined, call);
        // A model named only in the path (Gemini, Bedrock) or an Azure deployment.
        const pathModel = call.params.model ?? call.params.deployment;
        if (!facts.decoded.model && pathModel) facts.decoded.model = decodeURIComponent(pathModel);
      } catch (err) {
        this.#decodeError(route.decoder.api, 'request', err);
        facts.reasons.push(`request not decoded: ${(err as Error).message}`);
      }
      if (req.aborted || req.bytes_lost) facts.reasons.push('request incomplete in capture');
    }
    out.push(aiRequestEvent(event, facts));
    this.#count('ai_requests', { provider: detected.provider.name });
    for (const result of newToolResults(facts.decoded?.messages)) {
      const callTs = this.#toolCalls.get(result.callId);
      out.push(toolResultEvent(event, requestId, result, callTs ? msBetween(callTs, req.first_byte_ts) : undefined));
      this.#toolCalls.delete(result.callId);
    }
    if (this.#pending.size >= this.#config.max_pending_requests) {
      const oldest = this.#pending.keys().next().value as string;
      this.#pending.delete(oldest);
      this.#settings.telemetry.dropped('pending_request_evicted', 1);
    }
    this.#pending.set(req.exchange_id, { facts, route, call, firstByteTs: req.first_byte_ts, lastSeenNs: ts });
    return true;
  }

  #onResponse(event: HttpResponseEvent, out: OispEvent[]): boolean {
    const res = event.data;
    const ts = parseTimestamp(res.last_byte_ts);
    if (ts > this.#latestNs) this.#latestNs = ts;
    const pending = this.#pending.get(res.exchange_id);
    if (!pending) return false;
    this.#pending.delete(res.exchange_id);
    const { facts, route, call } = pending;
    const reasons: string[] = [];
    let decoded: DecodedResponse = {};
    let error: ProviderError | undefined;
    const ok = res.status >= 200 && res.status < 300;
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
      out.push(aiEmbeddingEvent(event, rf));
    } else {
      out.push(aiResponseEvent(event, rf));
      for (const tc of toolCallEvents(event, rf)) {
        out.push(tc);
        this.#rememberToolCall(tc.data.call_id, res.last_byte_ts);
      }
    }
    this.#count('ai_responses', { provider: facts.provider.name, success: String(ok && !error) });
    return true;
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
    this.#settings.telemetry.error(`decode_${what}`, `${api}: ${(err as Error).message}`);
  }
}

/** An OpenAI- or Ollama-shaped model call: a model and something to answer. */
function looksLikeModelCall(body: unknown): boolean {
  return isObject(body) && typeof body.model === 'string' && (Array.isArray(body.messages) || body.prompt !== undefined || body.input !== undefined);
}

function isBinaryStream(headers: Record<string, string[]>): boolean {
  return (header(headers, 'content-type') ?? '').includes('eventstream');
}
