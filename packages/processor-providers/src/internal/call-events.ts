// From a decoded request and response to the events OISP defines: ai.request, ai.response (or
// ai.embedding), agent.tool_call for each call the model asked for, agent.tool_result for each
// result a request carries back. Envelopes are copied from the http.* event each comes from.
import {
  deriveEvent,
  parseTimestamp,
  type AiEmbedding,
  type AiRequest,
  type AiResponse,
  type AgentToolCall,
  type AgentToolResult,
  type HttpRequestEvent,
  type HttpResponseEvent,
  type OispEvent,
  type ProviderRef,
} from '@oisp/core';
import { frameworkOf } from './agent-framework.ts';
import type { DecodedRequest, DecodedResponse, ProviderError } from './api-decoder.ts';
import { annotateMessages, hashOf } from './message-hash.ts';
import type { FoundToolResult } from './tool-results.ts';

/** Milliseconds between two RFC 3339 ns timestamps, to the microsecond. */
export function msBetween(from: string, to: string): number {
  return Number((parseTimestamp(to) - parseTimestamp(from)) / 1000n) / 1000;
}

/** Why an event says less than a full decode would: its confidence. */
function degraded<E extends OispEvent>(event: E, reasons: string[]): E {
  if (reasons.length > 0) event.confidence = { level: 'medium', completeness: 'partial', reasons };
  return event;
}

export interface RequestFacts {
  requestId: string;
  provider: ProviderRef;
  api?: string;
  /** Set for calls that are not decoded (list_models, files, ...). */
  otherType?: string;
  decoded?: DecodedRequest;
  reasons: string[];
}

export function aiRequestEvent(from: HttpRequestEvent, f: RequestFacts): OispEvent<'ai.request', AiRequest> {
  const d = f.decoded;
  const data: AiRequest = {
    request_id: f.requestId,
    provider: f.provider,
    request_type: f.otherType ?? d?.requestType ?? 'other',
    streaming: d?.streaming ?? false,
  };
  if (f.api) data.api = f.api;
  if (d?.model) data.model = { id: d.model };
  if (d?.messages) {
    annotateMessages(d.messages);
    data.messages = d.messages;
    data.messages_count = d.messages.length;
    const system = d.messages.filter((m) => m.role === 'system' || m.role === 'developer');
    data.has_system_prompt = system.length > 0;
    if (system.length > 0) data.system_prompt_hash = hashOf(system.map((m) => m.content ?? null));
  }
  if (d?.tools) {
    data.tools = d.tools;
    data.tools_count = d.tools.length;
  }
  if (d?.toolChoice !== undefined) data.tool_choice = d.toolChoice;
  if (d?.parameters) data.parameters = d.parameters;
  if (d?.conversationId) data.conversation = { conversation_id: d.conversationId };
  const framework = frameworkOf(from.data.headers['user-agent']?.[0]);
  if (framework) data.agent = { framework };
  if (f.otherType || !d) {
    const url = from.data.url;
    const q = url.indexOf('?');
    data.http = { method: from.data.method, path: q < 0 ? url : url.slice(0, q) };
    if (from.data.host) data.http.host = from.data.host;
  }
  return degraded(deriveEvent(from, 'ai.request', data), f.reasons);
}

export interface ResponseFacts {
  request: RequestFacts;
  requestFirstByteTs: string;
  decoded: DecodedResponse;
  error?: ProviderError;
  providerRequestId?: string;
  reasons: string[];
}

function common(from: HttpResponseEvent, f: ResponseFacts) {
  return {
    latency_ms: msBetween(f.requestFirstByteTs, from.data.last_byte_ts),
    // 101: a call on a WebSocket, which worked as a transport; the call's own errors come as its events.
    success: ((from.data.status >= 200 && from.data.status < 300) || from.data.status === 101) && !f.error,
  };
}

export function aiResponseEvent(from: HttpResponseEvent, f: ResponseFacts): OispEvent<'ai.response', AiResponse> {
  const d = f.decoded;
  const { latency_ms, success } = common(from, f);
  const data: AiResponse = { request_id: f.request.requestId, provider: f.request.provider, status_code: from.data.status, success };
  if (f.providerRequestId) data.provider_request_id = f.providerRequestId;
  const model = d.model ?? f.request.decoded?.model;
  if (model) data.model = { id: model };
  if (f.error) data.error = f.error;
  if (d.choices) data.choices = d.choices;
  if (d.toolCalls) {
    data.tool_calls = d.toolCalls;
    data.tool_calls_count = d.toolCalls.length;
  } else if (d.choices) data.tool_calls_count = 0;
  if (d.usage) data.usage = d.usage;
  if (d.providerFinishReason) data.provider_finish_reason = d.providerFinishReason;
  const cancelled = (d.incomplete || from.data.aborted) && !d.finishReason && !f.error;
  const finish = f.error ? 'error' : cancelled ? 'cancelled' : d.finishReason;
  if (finish) data.finish_reason = finish;
  data.latency_ms = latency_ms;
  if (d.firstOutputTs) data.time_to_first_token_ms = msBetween(f.requestFirstByteTs, d.firstOutputTs);
  if (d.thinking) data.thinking = d.thinking;
  if (f.request.decoded) data.streaming = f.request.decoded.streaming;
  const reasons = [...f.reasons];
  if (cancelled) reasons.push(from.data.aborted ? 'response aborted before its end' : 'stream ended without its final event');
  return degraded(deriveEvent(from, 'ai.response', data), reasons);
}

export function aiEmbeddingEvent(from: HttpResponseEvent, f: ResponseFacts): OispEvent<'ai.embedding', AiEmbedding> {
  const d = f.decoded;
  const { latency_ms, success } = common(from, f);
  const data: AiEmbedding = { request_id: f.request.requestId, provider: f.request.provider, status_code: from.data.status, success, latency_ms };
  const model = d.model ?? f.request.decoded?.model;
  if (model) data.model = { id: model };
  const inputCount = d.inputCount ?? f.request.decoded?.inputCount;
  if (inputCount !== undefined) data.input_count = inputCount;
  if (d.dimensions !== undefined) data.dimensions = d.dimensions;
  if (d.usage) data.usage = d.usage;
  if (f.error) data.error = f.error;
  return degraded(deriveEvent(from, 'ai.embedding', data), f.reasons);
}

export function toolCallEvents(from: HttpResponseEvent, f: ResponseFacts): OispEvent<'agent.tool_call', AgentToolCall>[] {
  return (f.decoded.toolCalls ?? []).map((c) =>
    deriveEvent(from, 'agent.tool_call', {
      call_id: c.id,
      tool: { name: c.name, type: c.type },
      arguments: c.arguments,
      request_id: f.request.requestId,
    }),
  );
}

export function toolResultEvent(from: HttpRequestEvent, requestId: string, r: FoundToolResult, durationMs?: number): OispEvent<'agent.tool_result', AgentToolResult> {
  const data: AgentToolResult = { call_id: r.callId, tool: { name: r.name }, request_id: requestId };
  if (r.result !== undefined) data.result = r.result;
  data.result_hash = hashOf(r.result ?? null);
  data.result_size = typeof r.result === 'string' ? r.result.length : JSON.stringify(r.result ?? null).length;
  if (r.isError !== undefined) data.success = !r.isError;
  if (durationMs !== undefined) data.duration_ms = durationMs;
  return deriveEvent(from, 'agent.tool_result', data);
}
