// Cohere v2 chat (POST /v2/chat) and embed (POST /v2/embed). Messages and tools are OpenAI-shaped;
// the response's content is a list of text parts, and a stream is typed SSE events
// (message-start, content-delta, tool-call-start/delta/end, message-end with usage).
import type { AiMessage, AiUsage, HttpResponse, ToolCall } from '@oisp/core';
import type { ApiDecoder, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { normaliseFinishReason } from '../finish-reason.ts';
import { asArray, asNumber, asString, isObject, pick, streamJson } from '../http-body.ts';
import { chatContent, chatRequest, chatToolCalls } from './openai-chat.ts';

const COHERE_CHAT_PARAMETERS = ['temperature', 'max_tokens', 'p', 'k', 'stop_sequences', 'seed', 'frequency_penalty', 'presence_penalty', 'response_format', 'safety_mode', 'thinking'];

function cohereUsage(u: unknown): AiUsage | undefined {
  if (!isObject(u)) return undefined;
  const tokens = isObject(u.tokens) ? u.tokens : isObject(u.billed_units) ? u.billed_units : undefined;
  if (!tokens) return undefined;
  const usage: AiUsage = {};
  const input = asNumber(tokens.input_tokens);
  const output = asNumber(tokens.output_tokens);
  if (input !== undefined) usage.prompt_tokens = input;
  if (output !== undefined) usage.completion_tokens = output;
  if (input !== undefined && output !== undefined) usage.total_tokens = input + output;
  const cached = asNumber(u.cached_tokens);
  if (cached !== undefined) usage.cached_tokens = cached;
  return usage;
}

function decodeRequest(body: unknown, call: { path: string }): DecodedRequest {
  const b = isObject(body) ? body : {};
  if (call.path.endsWith('/embed')) {
    const inputs = asArray(b.texts).length || asArray(b.inputs).length || asArray(b.images).length;
    const req: DecodedRequest = { requestType: 'embedding', streaming: false, inputCount: inputs };
    if (asString(b.model)) req.model = b.model as string;
    const params = pick(b, ['input_type', 'embedding_types', 'output_dimension', 'truncate']);
    if (params) req.parameters = params;
    return req;
  }
  return chatRequest(b, COHERE_CHAT_PARAMETERS);
}

function fromParts(content: unknown, calls: ToolCall[], finish: string | undefined, out: DecodedResponse): DecodedResponse {
  const msg: AiMessage = { role: 'assistant' };
  const parts = chatContent(content);
  if (parts !== undefined && !(Array.isArray(parts) && parts.length === 0)) msg.content = parts;
  else if (!calls.length) msg.content = '';
  if (calls.length) msg.tool_calls = calls;
  const f = normaliseFinishReason(finish);
  out.choices = [{ index: 0, message: msg, ...(f ? { finish_reason: f } : {}) }];
  if (calls.length) out.toolCalls = calls;
  if (finish) out.providerFinishReason = finish;
  if (f) out.finishReason = f;
  return out;
}

function decodeStream(response: HttpResponse): DecodedResponse {
  const out: DecodedResponse = {};
  let text = '';
  let plan = '';
  const calls = new Map<number, ToolCall & { arguments: string }>();
  let finish: string | undefined;
  let ended = false;
  for (const { event, json } of streamJson(response.stream?.events)) {
    if (!isObject(json)) continue;
    const type = asString(json.type) ?? event.event;
    const delta = isObject(json.delta) ? json.delta : {};
    const m = isObject(delta.message) ? delta.message : {};
    if (type === 'message-start' && asString(json.id)) out.providerRequestId = json.id as string;
    else if (type === 'content-delta' && isObject(m.content)) {
      text += asString(m.content.text) ?? '';
      out.firstOutputTs ??= event.ts;
    } else if (type === 'tool-plan-delta') plan += asString(m.tool_plan) ?? '';
    else if (type === 'tool-call-start' && isObject(m.tool_calls)) {
      const [c] = chatToolCalls([m.tool_calls]);
      calls.set(asNumber(json.index) ?? calls.size, { ...c, arguments: String(c.arguments ?? '') });
      out.firstOutputTs ??= event.ts;
    } else if (type === 'tool-call-delta' && isObject(m.tool_calls) && isObject(m.tool_calls.function)) {
      const c = calls.get(asNumber(json.index) ?? 0);
      if (c) c.arguments += asString(m.tool_calls.function.arguments) ?? '';
    } else if (type === 'message-end') {
      ended = true;
      finish = asString(delta.finish_reason);
      const usage = cohereUsage(delta.usage);
      if (usage) out.usage = usage;
      if (isObject(delta.error)) out.error = { message: String(delta.error.message ?? delta.error) };
    }
  }
  fromParts(text ? [{ type: 'text', text }] : [], [...calls.values()], finish, out);
  if (plan) out.thinking = { content: plan };
  if (!ended) out.incomplete = true;
  return out;
}

function decodeResponse(response: HttpResponse, body: unknown, request: DecodedRequest): DecodedResponse {
  if (!isObject(body) && !response.stream) return {};
  if (request.requestType === 'embedding') {
    const b = body as Record<string, unknown>;
    const out: DecodedResponse = {};
    const floats = isObject(b.embeddings) ? asArray(b.embeddings.float ?? Object.values(b.embeddings)[0]) : asArray(b.embeddings);
    out.inputCount = floats.length;
    if (Array.isArray(floats[0])) out.dimensions = floats[0].length;
    const usage = isObject(b.meta) ? cohereUsage(b.meta) : undefined;
    if (usage) out.usage = usage;
    return out;
  }
  if (response.stream) return decodeStream(response);
  const b = body as Record<string, unknown>;
  const out: DecodedResponse = {};
  if (asString(b.id)) out.providerRequestId = b.id as string;
  const m = isObject(b.message) ? b.message : {};
  fromParts(m.content, chatToolCalls(m.tool_calls), asString(b.finish_reason), out);
  if (asString(m.tool_plan)) out.thinking = { content: m.tool_plan as string };
  const usage = cohereUsage(b.usage);
  if (usage) out.usage = usage;
  return out;
}

export const cohereChat: ApiDecoder = { api: 'cohere.chat', decodeRequest, decodeResponse };
