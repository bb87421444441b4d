// Events -> spans. Maps what events say and pairs nothing beyond a request with its response (by
// request_id): ids and parents come from trace_context (processor-agent), else from event ids.
//   ai.request + ai.response     -> "{operation} {model}" CLIENT, first request byte to last response byte
//   ai.embedding (+ its request) -> "embeddings {model}" CLIENT
//   agent.tool_call + _result    -> "execute_tool {tool}" INTERNAL (when they carry trace_context)
//   agent.session                -> "invoke_agent {agent}" INTERNAL
//   process.* file.* network.*   -> span events on their parent span while it is open, else a child span
import { parseTimestamp, type AgentSession, type AgentToolCall, type AgentToolResult, type AiEmbedding, type AiRequest, type AiResponse, type ComponentTelemetry, type OispEvent } from '@oisp/core';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { OtlpExporterConfig } from '../config.ts';
import { capJson, inputMessages, outputMessages, systemInstructions, toolDefinitions } from './content.ts';
import { derivedSpanId, derivedTraceId } from './ids.ts';
import type { ProcessResources } from './resources.ts';
import * as sc from './semconv.ts';
import { SpanKind, SpanStatusCode, type SpanRecord } from './span-record.ts';

/** Events held for a parent span still to come, at most; beyond, they go out as child spans. */
const MAX_WAITING_EVENTS = 100_000;
const MAX_SENT_IDS = 100_000;

const SYSTEM_TYPES = new Set(['process.exec', 'process.exit', 'file.open', 'file.read', 'file.write', 'network.connect']);

const OPERATION: Record<string, string> = {
  chat: sc.GEN_AI_OPERATION_NAME_VALUE_CHAT,
  responses: sc.GEN_AI_OPERATION_NAME_VALUE_CHAT,
  completion: sc.GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  embedding: sc.GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
};

/** Request parameters -> gen_ai.request.* attributes (each provider's spelling). */
const PARAMETERS: [string[], string][] = [
  [['temperature'], sc.GEN_AI_REQUEST_TEMPERATURE],
  [['top_p', 'topP'], sc.GEN_AI_REQUEST_TOP_P],
  [['top_k', 'topK'], sc.GEN_AI_REQUEST_TOP_K],
  [['max_tokens', 'max_completion_tokens', 'max_output_tokens', 'maxOutputTokens', 'maxTokens', 'num_predict'], sc.GEN_AI_REQUEST_MAX_TOKENS],
  [['stop', 'stop_sequences', 'stopSequences'], sc.GEN_AI_REQUEST_STOP_SEQUENCES],
  [['frequency_penalty', 'frequencyPenalty'], sc.GEN_AI_REQUEST_FREQUENCY_PENALTY],
  [['presence_penalty', 'presencePenalty'], sc.GEN_AI_REQUEST_PRESENCE_PENALTY],
  [['seed'], sc.GEN_AI_REQUEST_SEED],
  [['n', 'candidateCount'], sc.GEN_AI_REQUEST_CHOICE_COUNT],
];

function ns(ts: string): bigint {
  return parseTimestamp(ts);
}

function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1_000_000));
}

/** A primitive or a homogeneous primitive array: what an OTel attribute may hold. */
function attributeValue(v: unknown): AttributeValue | undefined {
  if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
  if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string')) return v as string[];
  if (typeof v === 'string' || v === undefined || v === null) return undefined;
  return JSON.stringify(v);
}

function set(attrs: Attributes, key: string, v: unknown): void {
  const value = attributeValue(v);
  if (value !== undefined) attrs[key] = value;
}

interface OpenModelSpan {
  span: SpanRecord;
  request?: AiRequest;
  lastNs: bigint;
}

export class SpanMapper {
  readonly #config: OtlpExporterConfig;
  readonly #resources: ProcessResources;
  readonly #telemetry: ComponentTelemetry;
  /** Model spans waiting for their response, by request_id. */
  readonly #models = new Map<string, OpenModelSpan>();
  /** Tool spans waiting for their result, by span id. */
  readonly #tools = new Map<string, SpanRecord>();
  /**
   * Finished spans, by span id, kept for span_linger_ms (wall clock) before they go: process and
   * file events may arrive a moment after the span they belong to has ended (they come from
   * another ring), and still become its events.
   */
  readonly #done = new Map<string, SpanRecord>();
  readonly #doneAt = new Map<string, number>();
  /**
   * Events whose parent span has not been made yet — an invoke_agent span comes only when its
   * session ends — held (bounded) to become span events on it; past request_ttl_ms, or when too
   * many wait, they go out as short child spans instead (counted).
   */
  readonly #waiting = new Map<string, { event: OispEvent; t: bigint; attrs: Attributes }[]>();
  #waitingCount = 0;
  /** Span ids recently sent: an event for one of them cannot wait for it. */
  readonly #sent = new Set<string>();
  #latestNs = 0n;
  /** Wall clock when #latestNs was last seen: time goes on in a lull with no events. */
  #latestWallMs = Date.now();

  constructor(config: OtlpExporterConfig, resources: ProcessResources, telemetry: ComponentTelemetry) {
    this.#config = config;
    this.#resources = resources;
    this.#telemetry = telemetry;
  }

  get openSpans(): number {
    return this.#models.size + this.#tools.size;
  }

  add(event: OispEvent): void {
    const t = ns(event.ts);
    if (t > this.#latestNs) {
      this.#latestNs = t;
      this.#latestWallMs = Date.now();
    }
    switch (event.event_type) {
      case 'ai.request':
        return this.#request(event as OispEvent<'ai.request', AiRequest>, t);
      case 'ai.response':
      case 'ai.embedding':
        return this.#response(event as OispEvent<string, AiResponse & AiEmbedding>, t);
      case 'agent.tool_call':
        return this.#toolCall(event as OispEvent<'agent.tool_call', AgentToolCall>, t);
      case 'agent.tool_result':
        return this.#toolResult(event as OispEvent<'agent.tool_result', AgentToolResult>, t);
      case 'agent.session':
        return this.#session(event as OispEvent<'agent.session', AgentSession>);
      default:
        if (SYSTEM_TYPES.has(event.event_type)) return this.#system(event, t);
        this.#telemetry.add('events_not_mapped', 1, { type: event.event_type });
    }
  }

  /**
   * Spans finished since the last call; also expires requests past request_ttl_ms — in event time
   * (a replay runs on its own clock), advanced by the wall clock since the last event (a live lull).
   */
  take(): SpanRecord[] {
    const now = this.#latestNs + msToNs(Date.now() - this.#latestWallMs);
    const limit = now - msToNs(this.#config.request_ttl_ms);
    for (const [id, open] of this.#models) {
      if (open.lastNs >= limit) continue;
      this.#unfinished(open.span, 'no response within request_ttl_ms');
      this.#models.delete(id);
    }
    for (const [parent, list] of this.#waiting) {
      if (list[0].t >= limit) continue;
      this.#waiting.delete(parent);
      this.#waitingCount -= list.length;
      for (const w of list) this.#childSpan(w.event, w.t, w.attrs);
    }
    return this.#release(Date.now() - this.#config.span_linger_ms);
  }

  /** Finished spans done before `before` (wall ms), in the order they finished. */
  #release(before: number): SpanRecord[] {
    const out: SpanRecord[] = [];
    for (const [id, span] of this.#done) {
      const at = this.#doneAt.get(id) ?? 0;
      if (at > before) continue;
      out.push(span);
      this.#done.delete(id);
      this.#doneAt.delete(id);
      this.#sent.add(id);
      if (this.#sent.size > MAX_SENT_IDS) this.#sent.delete(this.#sent.values().next().value as string);
    }
    return out;
  }

  #finish(span: SpanRecord): void {
    this.#done.set(span.spanId, span);
    this.#doneAt.set(span.spanId, Date.now());
  }

  /** At shutdown: every open span goes out, marked unfinished. */
  takeAll(): SpanRecord[] {
    for (const open of this.#models.values()) this.#unfinished(open.span, 'no response before shutdown');
    for (const span of this.#tools.values()) {
      span.attributes['oisp.unfinished'] = true;
      span.endNs = this.#latestNs > span.startNs ? this.#latestNs : span.startNs;
      this.#finish(span);
    }
    this.#models.clear();
    this.#tools.clear();
    for (const list of this.#waiting.values()) for (const w of list) this.#childSpan(w.event, w.t, w.attrs);
    this.#waiting.clear();
    this.#waitingCount = 0;
    this.take();
    return this.#release(Infinity);
  }

  #unfinished(span: SpanRecord, why: string): void {
    span.status = { code: SpanStatusCode.ERROR, message: why };
    span.attributes[sc.ERROR_TYPE] = 'oisp.no_response';
    span.attributes['oisp.unfinished'] = true;
    span.endNs = span.startNs;
    this.#finish(span);
    this.#telemetry.add('requests_without_response', 1);
  }

  #newSpan(event: OispEvent, name: string, kind: SpanKind, startNs: bigint): SpanRecord {
    const tc = event.trace_context;
    const span = this.#makeSpan(event, name, kind, startNs);
    // Events that waited for this span become its events.
    const waiting = tc ? this.#waiting.get(span.spanId) : undefined;
    if (waiting) {
      this.#waiting.delete(span.spanId);
      this.#waitingCount -= waiting.length;
      for (const w of waiting) span.events.push({ name: w.event.event_type, timeNs: w.t, attributes: w.attrs });
    }
    return span;
  }

  #makeSpan(event: OispEvent, name: string, kind: SpanKind, startNs: bigint): SpanRecord {
    const tc = event.trace_context;
    return {
      traceId: tc?.trace_id ?? derivedTraceId(event.event_id),
      spanId: tc?.span_id ?? derivedSpanId(event.event_id),
      ...(tc?.parent_span_id ? { parentSpanId: tc.parent_span_id } : {}),
      name,
      kind,
      startNs,
      endNs: startNs,
      attributes: {},
      events: [],
      status: { code: SpanStatusCode.UNSET },
      resource: this.#resources.for(event),
    };
  }

  #provider(attrs: Attributes, name: string): void {
    if (this.#config.semconv !== 'legacy') attrs[sc.GEN_AI_PROVIDER_NAME] = name;
    if (this.#config.semconv !== 'current') attrs[sc.GEN_AI_SYSTEM] = name;
  }

  #content(attrs: Attributes, key: string, value: unknown[] | undefined): void {
    if (!this.#config.include_content || !value) return;
    const { text, truncated } = capJson(value as never, this.#config.max_content_bytes);
    attrs[key] = text;
    if (truncated) this.#telemetry.add('content_truncated', 1, { attribute: key });
  }

  #request(event: OispEvent<'ai.request', AiRequest>, t: bigint): void {
    const d = event.data;
    const op = OPERATION[d.request_type] ?? d.request_type;
    const span = this.#newSpan(event, d.model ? `${op} ${d.model.id}` : op, SpanKind.CLIENT, t);
    const a = span.attributes;
    a[sc.GEN_AI_OPERATION_NAME] = op;
    this.#provider(a, d.provider.name);
    a['oisp.request_id'] = d.request_id;
    if (d.model) a[sc.GEN_AI_REQUEST_MODEL] = d.model.id;
    const params = d.parameters ?? {};
    for (const [keys, attr] of PARAMETERS) {
      const key = keys.find((k) => params[k] !== undefined);
      if (key === undefined) continue;
      const v = params[key];
      set(a, attr, attr === sc.GEN_AI_REQUEST_STOP_SEQUENCES && typeof v === 'string' ? [v] : v);
    }
    if (d.streaming) a[sc.GEN_AI_REQUEST_STREAM] = true;
    if (d.conversation?.conversation_id) a[sc.GEN_AI_CONVERSATION_ID] = d.conversation.conversation_id;
    if (d.agent?.name) a[sc.GEN_AI_AGENT_NAME] = d.agent.name;
    if (d.provider.endpoint) {
      const m = /^(.*?)(?::(\d+))?$/.exec(d.provider.endpoint)!;
      a[sc.SERVER_ADDRESS] = m[1];
      a[sc.SERVER_PORT] = m[2] ? Number(m[2]) : 443;
    }
    if (d.http) {
      a['http.request.method'] = d.http.method;
      a['url.path'] = d.http.path;
    }
    this.#content(a, sc.GEN_AI_SYSTEM_INSTRUCTIONS, systemInstructions(d.messages));
    this.#content(a, sc.GEN_AI_INPUT_MESSAGES, inputMessages(d.messages));
    this.#content(a, sc.GEN_AI_TOOL_DEFINITIONS, toolDefinitions(d.tools));
    this.#models.set(d.request_id, { span, request: d, lastNs: t });
  }

  #response(event: OispEvent<string, AiResponse & AiEmbedding>, t: bigint): void {
    const d = event.data;
    let open = this.#models.get(d.request_id);
    if (open) this.#models.delete(d.request_id);
    else {
      // The request was never seen (we started mid-call, or it was filtered): the response alone.
      const op = event.event_type === 'ai.embedding' ? 'embeddings' : 'chat';
      const start = d.latency_ms !== undefined ? t - msToNs(d.latency_ms) : t;
      const span = this.#newSpan(event, d.model ? `${op} ${d.model.id}` : op, SpanKind.CLIENT, start);
      span.attributes[sc.GEN_AI_OPERATION_NAME] = op;
      span.attributes['oisp.request_id'] = d.request_id;
      this.#provider(span.attributes, d.provider.name);
      open = { span, lastNs: t };
      this.#telemetry.add('responses_without_request', 1);
    }
    const span = open.span;
    const a = span.attributes;
    // latency_ms runs from the request's first byte, the span's start, to the response's last byte.
    span.endNs = d.latency_ms !== undefined ? span.startNs + msToNs(d.latency_ms) : t;
    if (d.provider_request_id) a[sc.GEN_AI_RESPONSE_ID] = d.provider_request_id;
    if (d.model) a[sc.GEN_AI_RESPONSE_MODEL] = d.model.id;
    const reasons = d.choices?.map((c) => c.finish_reason).filter((r): r is NonNullable<typeof r> => !!r) ?? [];
    if (reasons.length) a[sc.GEN_AI_RESPONSE_FINISH_REASONS] = reasons;
    else if (d.finish_reason) a[sc.GEN_AI_RESPONSE_FINISH_REASONS] = [d.finish_reason];
    const u = d.usage;
    if (u) {
      const current = this.#config.semconv !== 'legacy';
      const legacy = this.#config.semconv !== 'current';
      if (u.prompt_tokens !== undefined) {
        // OISP's prompt_tokens counts all input, cached and cache-creation included, as the conventions' input_tokens does.
        if (current) a[sc.GEN_AI_USAGE_INPUT_TOKENS] = u.prompt_tokens;
        if (legacy) a[sc.GEN_AI_USAGE_PROMPT_TOKENS] = u.prompt_tokens;
      }
      if (u.completion_tokens !== undefined) {
        if (current) a[sc.GEN_AI_USAGE_OUTPUT_TOKENS] = u.completion_tokens;
        if (legacy) a[sc.GEN_AI_USAGE_COMPLETION_TOKENS] = u.completion_tokens;
      }
      if (u.cached_tokens !== undefined) a[sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = u.cached_tokens;
      if (u.cache_creation_tokens !== undefined) a[sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = u.cache_creation_tokens;
      if (u.reasoning_tokens !== undefined) a[sc.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = u.reasoning_tokens;
    }
    if (d.cost) a[sc.GEN_AI_USAGE_COST] = d.cost.total_usd;
    if (d.time_to_first_token_ms !== undefined) a[sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = d.time_to_first_token_ms / 1000;
    if (d.dimensions !== undefined) a[sc.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = d.dimensions;
    if (d.success === false) {
      const type = d.error?.type ?? d.error?.code ?? (d.status_code ? String(d.status_code) : 'error');
      a[sc.ERROR_TYPE] = type;
      span.status = { code: SpanStatusCode.ERROR, ...(d.error?.message ? { message: d.error.message } : {}) };
    } else if (d.finish_reason === 'cancelled') {
      a[sc.ERROR_TYPE] = 'cancelled';
      span.status = { code: SpanStatusCode.ERROR, message: 'the client abandoned the response' };
    }
    this.#content(a, sc.GEN_AI_OUTPUT_MESSAGES, outputMessages(d.choices));
    this.#finish(span);
  }

  #toolCall(event: OispEvent<'agent.tool_call', AgentToolCall>, t: bigint): void {
    const d = event.data;
    if (!event.trace_context) {
      // Without processor-agent nothing pairs tools: the call is an event on its model call's span.
      this.#attach(this.#modelSpanOf(d.request_id), event, t, { [sc.GEN_AI_TOOL_NAME]: d.tool.name, [sc.GEN_AI_TOOL_CALL_ID]: d.call_id });
      return;
    }
    const span = this.#newSpan(event, `${sc.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL} ${d.tool.name}`, SpanKind.INTERNAL, t);
    const a = span.attributes;
    a[sc.GEN_AI_OPERATION_NAME] = sc.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL;
    a[sc.GEN_AI_TOOL_NAME] = d.tool.name;
    a[sc.GEN_AI_TOOL_CALL_ID] = d.call_id;
    if (d.tool.type) a[sc.GEN_AI_TOOL_TYPE] = d.tool.type;
    if (this.#config.include_content) a[sc.GEN_AI_TOOL_CALL_ARGUMENTS] = capString(d.arguments, this.#config.max_content_bytes);
    if (event.trace_context.link) a['oisp.link'] = event.trace_context.link;
    this.#tools.set(span.spanId, span);
  }

  #toolResult(event: OispEvent<'agent.tool_result', AgentToolResult>, t: bigint): void {
    const d = event.data;
    if (!event.trace_context) {
      this.#attach(this.#modelSpanOf(d.request_id), event, t, { [sc.GEN_AI_TOOL_NAME]: d.tool.name, [sc.GEN_AI_TOOL_CALL_ID]: d.call_id });
      return;
    }
    let span = this.#tools.get(event.trace_context.span_id);
    if (span) this.#tools.delete(span.spanId);
    else {
      // A result whose call we never saw: the span from what the result says.
      const start = d.duration_ms !== undefined ? t - msToNs(d.duration_ms) : t;
      span = this.#newSpan(event, `${sc.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL} ${d.tool.name}`, SpanKind.INTERNAL, start);
      span.attributes[sc.GEN_AI_OPERATION_NAME] = sc.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL;
      span.attributes[sc.GEN_AI_TOOL_NAME] = d.tool.name;
      span.attributes[sc.GEN_AI_TOOL_CALL_ID] = d.call_id;
    }
    span.endNs = t;
    if (this.#config.include_content && d.result !== undefined) span.attributes[sc.GEN_AI_TOOL_CALL_RESULT] = capString(d.result, this.#config.max_content_bytes);
    if (event.trace_context.link) span.attributes['oisp.result_link'] = event.trace_context.link;
    if (d.success === false) {
      span.attributes[sc.ERROR_TYPE] = 'tool_error';
      span.status = { code: SpanStatusCode.ERROR };
    }
    this.#finish(span);
  }

  #session(event: OispEvent<'agent.session', AgentSession>): void {
    const d = event.data;
    const span = this.#newSpan(event, `${sc.GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT} ${d.agent.name}`, SpanKind.INTERNAL, ns(d.start_ts));
    span.endNs = ns(d.end_ts);
    const a = span.attributes;
    a[sc.GEN_AI_OPERATION_NAME] = sc.GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT;
    a[sc.GEN_AI_AGENT_NAME] = d.agent.name;
    if (d.agent.framework) a['oisp.agent.framework'] = d.agent.framework;
    if (d.conversation_id) a[sc.GEN_AI_CONVERSATION_ID] = d.conversation_id;
    a['oisp.session.end_reason'] = d.end_reason;
    a['oisp.session.model_calls'] = d.model_calls;
    a['oisp.session.tool_calls'] = d.tool_calls;
    a['oisp.session.processes'] = d.processes;
    this.#finish(span);
  }

  #system(event: OispEvent, t: bigint): void {
    const tc = event.trace_context;
    if (!tc) {
      this.#telemetry.add('events_without_trace', 1, { type: event.event_type });
      return;
    }
    const attrs: Attributes = {};
    for (const [k, v] of Object.entries(flatten(event.data as Record<string, unknown>))) set(attrs, `oisp.${k}`, v);
    if (event.process?.pid) attrs[sc.PROCESS_PID] = event.process.pid;
    if (tc.link) attrs['oisp.link'] = tc.link;
    const parentId = tc.parent_span_id;
    const parent = parentId ? this.#openSpan(parentId) : undefined;
    if (parent) {
      parent.events.push({ name: event.event_type, timeNs: t, attributes: attrs });
      return;
    }
    // Its parent is still to come (an invoke_agent span comes at its session's end): wait for it.
    if (parentId && !this.#sent.has(parentId) && this.#waitingCount < MAX_WAITING_EVENTS) {
      const list = this.#waiting.get(parentId) ?? [];
      list.push({ event, t, attrs });
      this.#waiting.set(parentId, list);
      this.#waitingCount++;
      return;
    }
    this.#childSpan(event, t, attrs);
  }

  /** An event whose parent was already sent (or never came): a short span of its own under it. */
  #childSpan(event: OispEvent, t: bigint, attrs: Attributes): void {
    const span = this.#makeSpan(event, event.event_type, SpanKind.INTERNAL, t);
    Object.assign(span.attributes, attrs);
    this.#finish(span);
    this.#telemetry.add('events_as_spans', 1);
  }

  #openSpan(spanId: string): SpanRecord | undefined {
    const tool = this.#tools.get(spanId) ?? this.#done.get(spanId);
    if (tool) return tool;
    for (const open of this.#models.values()) if (open.span.spanId === spanId) return open.span;
    return undefined;
  }

  #modelSpanOf(requestId: string): SpanRecord | undefined {
    const open = this.#models.get(requestId)?.span;
    if (open) return open;
    for (const s of this.#done.values()) if (s.attributes['oisp.request_id'] === requestId) return s;
    return undefined;
  }

  #attach(span: SpanRecord | undefined, event: OispEvent, t: bigint, attrs: Attributes): void {
    if (span) span.events.push({ name: event.event_type, timeNs: t, attributes: attrs });
    else this.#telemetry.add('events_without_span', 1, { type: event.event_type });
  }
}

function capString(value: unknown, max: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  if (Buffer.byteLength(text) <= max) return text;
  const cut = Buffer.from(text).subarray(0, max - 32).toString('utf8').replace(/\uFFFD$/, '');
  return `${cut}…[truncated]`;
}

/** {dest: {ip, port}} -> {"dest.ip", "dest.port"}: span-event attributes are flat. */
function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}
