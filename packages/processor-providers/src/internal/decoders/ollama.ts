// Ollama's own API: /api/chat and /api/generate (NDJSON streams by default: `stream` absent means
// true; the last line has done: true, done_reason and the token counts), /api/embed and
// /api/embeddings. Tool calls carry no ids: we name them `ollama:{name}:{n}` (the n-th call of
// that name in the turn), and tool messages after them get the same names in the same order.
import type { AiMessage, AiUsage, ContentPart, HttpResponse, ToolCall } from '@oisp/core';
import type { ApiDecoder, CallContext, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { inlinePart } from '../content-parts.ts';
import { normaliseFinishReason } from '../finish-reason.ts';
import { asArray, asNumber, asString, isObject, pick, streamJson } from '../http-body.ts';
import { chatTools } from './openai-chat.ts';

function callsOf(value: unknown): ToolCall[] {
  const counts = new Map<string, number>();
  return asArray(value).filter(isObject).map((c) => {
    const fn = isObject(c.function) ? c.function : {};
    const name = asString(fn.name) ?? '';
    const n = counts.get(name) ?? 0;
    counts.set(name, n + 1);
    return { id: asString(c.id) ?? `ollama:${name}:${n}`, name, type: 'function', arguments: fn.arguments ?? {} };
  });
}

function message(m: Record<string, unknown>): AiMessage {
  const out: AiMessage = { role: asString(m.role) ?? 'user' };
  const images = asArray(m.images).filter((i): i is string => typeof i === 'string');
  const text = asString(m.content);
  if (images.length) out.content = [...(text ? [{ type: 'text', text } as ContentPart] : []), ...images.map((b64) => inlinePart('image', b64))];
  else if (text !== undefined) out.content = text;
  const calls = callsOf(m.tool_calls);
  if (calls.length) out.tool_calls = calls;
  if (asString(m.tool_name)) out.name = m.tool_name as string;
  return out;
}

/** Tool messages answer the calls of the assistant message before them, in order, by name. */
function pairToolMessages(messages: AiMessage[]): void {
  let calls: ToolCall[] = [];
  let used = new Set<string>();
  for (const m of messages) {
    if (m.role === 'assistant') {
      calls = m.tool_calls ?? [];
      used = new Set();
    } else if (m.role === 'tool' && m.tool_call_id === undefined) {
      const call = calls.find((c) => !used.has(c.id) && (m.name === undefined || c.name === m.name));
      if (call) {
        used.add(call.id);
        m.tool_call_id = call.id;
        m.name ??= call.name;
      }
    }
  }
}

const OPTIONS = ['temperature', 'top_p', 'top_k', 'num_predict', 'num_ctx', 'stop', 'seed', 'repeat_penalty', 'min_p'];

function decodeRequest(body: unknown, call: CallContext): DecodedRequest {
  const b = isObject(body) ? body : {};
  const path = call.path;
  const streaming = b.stream !== false;
  if (path.endsWith('/embed') || path.endsWith('/embeddings')) {
    const input = b.input ?? b.prompt;
    const req: DecodedRequest = { requestType: 'embedding', streaming: false, inputCount: Array.isArray(input) ? input.length : input === undefined ? 0 : 1 };
    if (asString(b.model)) req.model = b.model as string;
    return req;
  }
  const req: DecodedRequest = { requestType: path.endsWith('/generate') ? 'completion' : 'chat', streaming };
  if (asString(b.model)) req.model = b.model as string;
  if (path.endsWith('/generate')) {
    const messages: AiMessage[] = [];
    if (asString(b.system)) messages.push({ role: 'system', content: b.system as string });
    messages.push(message({ role: 'user', content: b.prompt, images: b.images }));
    req.messages = messages;
  } else if (Array.isArray(b.messages)) {
    req.messages = b.messages.filter(isObject).map(message);
    pairToolMessages(req.messages);
  }
  const tools = chatTools(b);
  if (tools) req.tools = tools;
  const options = isObject(b.options) ? pick(b.options, OPTIONS) : undefined;
  const params = { ...(options ?? {}), ...(pick(b, ['format', 'think', 'keep_alive']) ?? {}) };
  if (Object.keys(params).length) req.parameters = params;
  return req;
}

function ollamaUsage(line: Record<string, unknown>): AiUsage | undefined {
  const prompt = asNumber(line.prompt_eval_count);
  const output = asNumber(line.eval_count);
  if (prompt === undefined && output === undefined) return undefined;
  const usage: AiUsage = {};
  if (prompt !== undefined) usage.prompt_tokens = prompt;
  if (output !== undefined) usage.completion_tokens = output;
  if (prompt !== undefined && output !== undefined) usage.total_tokens = prompt + output;
  return usage;
}

function decodeResponse(response: HttpResponse, body: unknown, request: DecodedRequest): DecodedResponse {
  if (request.requestType === 'embedding') {
    const b = isObject(body) ? body : {};
    const list = Array.isArray(b.embeddings) ? b.embeddings : Array.isArray(b.embedding) ? [b.embedding] : [];
    const out: DecodedResponse = { inputCount: list.length };
    if (Array.isArray(list[0])) out.dimensions = list[0].length;
    if (asString(b.model)) out.model = b.model as string;
    const usage = ollamaUsage(b);
    if (usage) out.usage = usage;
    return out;
  }
  // One JSON object, or NDJSON lines (a non-streamed body is the stream's single last line).
  const lines: { json: Record<string, unknown>; ts?: string }[] = response.stream
    ? streamJson(response.stream.events).flatMap(({ event, json }) => (isObject(json) ? [{ json, ts: event.ts }] : []))
    : isObject(body)
      ? [{ json: body }]
      : [];
  const out: DecodedResponse = {};
  let text = '';
  let thinking = '';
  const calls: unknown[] = [];
  let done: Record<string, unknown> | undefined;
  for (const { json, ts } of lines) {
    if (asString(json.model)) out.model = json.model as string;
    if (typeof json.error === 'string') out.error = { message: json.error };
    const m = isObject(json.message) ? json.message : {};
    const piece = asString(m.content) ?? asString(json.response) ?? '';
    text += piece;
    thinking += asString(m.thinking) ?? asString(json.thinking) ?? '';
    calls.push(...asArray(m.tool_calls));
    if ((piece || asArray(m.tool_calls).length) && ts && !out.firstOutputTs) out.firstOutputTs = ts;
    if (json.done === true) done = json;
  }
  const toolCalls = callsOf(calls);
  const msg: AiMessage = { role: 'assistant' };
  if (text || !toolCalls.length) msg.content = text;
  if (toolCalls.length) msg.tool_calls = toolCalls;
  const reason = done ? (asString(done.done_reason) ?? 'stop') : undefined;
  const finish = toolCalls.length && reason === 'stop' ? 'tool_calls' : normaliseFinishReason(reason);
  out.choices = [{ index: 0, message: msg, ...(finish ? { finish_reason: finish } : {}) }];
  if (toolCalls.length) out.toolCalls = toolCalls;
  if (reason) out.providerFinishReason = reason;
  if (finish) out.finishReason = finish;
  if (thinking) out.thinking = { content: thinking };
  if (done) {
    const usage = ollamaUsage(done);
    if (usage) out.usage = usage;
  } else if (!out.error) out.incomplete = true;
  return out;
}

export const ollama: ApiDecoder = { api: 'ollama', decodeRequest, decodeResponse };
