// Anthropic Messages (POST /v1/messages; also Bedrock's InvokeModel body and Vertex's rawPredict).
// Content blocks become typed parts: text, image/document (sizes, not data), tool_use as the
// assistant's tool calls, tool_result as results, thinking. A stream is message_start, content
// blocks started / delta'd / stopped, message_delta (stop reason, cumulative usage), message_stop.
import type { AiMessage, AiUsage, ContentPart, HttpResponse, ToolCall, ToolDefinition } from '@oisp/core';
import type { ApiDecoder, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { inlinePart, kindOfMime, mediaPart, simplify } from '../content-parts.ts';
import { normaliseFinishReason } from '../finish-reason.ts';
import { asArray, asNumber, asString, isObject, parseJson, pick, streamJson } from '../http-body.ts';
import { providerError } from '../provider-error.ts';

const PARAMETERS = ['max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'thinking', 'service_tier', 'metadata'] as const;

/** One content block -> a part (tool_use comes back separately as a tool call). */
function block(b: Record<string, unknown>): ContentPart | undefined {
  const type = asString(b.type);
  const source = isObject(b.source) ? b.source : {};
  switch (type) {
    case 'text':
      return { type: 'text', text: asString(b.text) ?? '' };
    case 'image':
    case 'document': {
      const mime = asString(source.media_type);
      const kind = type === 'image' ? 'image' : kindOfMime(mime);
      if (source.type === 'base64') return inlinePart(kind, asString(source.data), mime);
      if (source.type === 'url') return mediaPart(kind, asString(source.url), mime);
      if (source.type === 'text') return { type: 'file', mime_type: mime ?? 'text/plain', bytes: Buffer.byteLength(asString(source.data) ?? '') };
      const part = mediaPart(kind, undefined, mime);
      if (asString(source.file_id)) part.file_id = source.file_id as string;
      return part;
    }
    case 'tool_result': {
      const part: ContentPart = { type: 'tool_result', tool_call_id: asString(b.tool_use_id) ?? '' };
      const content = b.content;
      part.content = Array.isArray(content) ? simplify(content.filter(isObject).map(block).filter((p): p is ContentPart => p !== undefined)) : content;
      if (typeof b.is_error === 'boolean') part.is_error = b.is_error;
      return part;
    }
    case 'thinking':
      return { type: 'thinking', text: asString(b.thinking) ?? '' };
    case 'redacted_thinking':
      return { type: 'thinking', redacted: true };
    case undefined:
      return undefined;
    default:
      // server_tool_use, web_search_tool_result, container_upload, ...: recorded by type.
      return { type };
  }
}

function toolCall(b: Record<string, unknown>): ToolCall {
  return { id: asString(b.id) ?? '', name: asString(b.name) ?? '', type: asString(b.type) === 'server_tool_use' ? 'server' : 'function', arguments: b.input ?? {} };
}

/** A message's blocks -> content parts and tool calls. */
function blocks(content: unknown): { content?: string | ContentPart[]; calls: ToolCall[] } {
  if (typeof content === 'string') return { content, calls: [] };
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  for (const b of asArray(content)) {
    if (!isObject(b)) continue;
    if (b.type === 'tool_use' || b.type === 'server_tool_use') calls.push(toolCall(b));
    else {
      const p = block(b);
      if (p) parts.push(p);
    }
  }
  return { content: parts.length ? simplify(parts) : undefined, calls };
}

function message(m: Record<string, unknown>): AiMessage {
  const msg: AiMessage = { role: asString(m.role) ?? 'user' };
  const { content, calls } = blocks(m.content);
  if (content !== undefined) msg.content = content;
  if (calls.length) msg.tool_calls = calls;
  return msg;
}

function tools(body: Record<string, unknown>): ToolDefinition[] | undefined {
  const list: ToolDefinition[] = [];
  for (const t of asArray(body.tools)) {
    if (!isObject(t)) continue;
    // Client tools have no type (or `custom`); server tools have a versioned type (web_search_20250305).
    const type = asString(t.type) ?? 'function';
    const def: ToolDefinition = { name: asString(t.name) ?? type, type: type === 'custom' ? 'function' : type };
    if (asString(t.description)) def.description = t.description as string;
    if (t.input_schema !== undefined) def.parameters = t.input_schema;
    list.push(def);
  }
  return list.length ? list : undefined;
}

/** Anthropic usage: input_tokens excludes the cache; OISP's prompt_tokens counts all input. */
export function anthropicUsage(u: unknown): AiUsage | undefined {
  if (!isObject(u)) return undefined;
  const input = asNumber(u.input_tokens);
  const cacheRead = asNumber(u.cache_read_input_tokens);
  const cacheWrite = asNumber(u.cache_creation_input_tokens);
  const output = asNumber(u.output_tokens);
  const usage: AiUsage = {};
  if (input !== undefined || cacheRead !== undefined || cacheWrite !== undefined) usage.prompt_tokens = (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
  if (output !== undefined) usage.completion_tokens = output;
  if (usage.prompt_tokens !== undefined && output !== undefined) usage.total_tokens = usage.prompt_tokens + output;
  if (cacheRead !== undefined) usage.cached_tokens = cacheRead;
  if (cacheWrite !== undefined) usage.cache_creation_tokens = cacheWrite;
  return Object.keys(usage).length ? usage : undefined;
}

export function decodeAnthropicRequest(body: unknown): DecodedRequest {
  const b = isObject(body) ? body : {};
  const req: DecodedRequest = { requestType: 'chat', streaming: b.stream === true };
  if (asString(b.model)) req.model = b.model as string;
  const messages: AiMessage[] = [];
  if (b.system !== undefined) {
    const { content } = blocks(b.system);
    messages.push({ role: 'system', ...(content !== undefined ? { content } : {}) });
  }
  for (const m of asArray(b.messages)) if (isObject(m)) messages.push(message(m));
  if (b.messages !== undefined || messages.length) req.messages = messages;
  const t = tools(b);
  if (t) req.tools = t;
  if (b.tool_choice !== undefined) req.toolChoice = b.tool_choice;
  const params = pick(b, PARAMETERS);
  if (params) req.parameters = params;
  return req;
}

/** A whole message object (a non-streamed response, or one rebuilt from a stream). */
function decodeMessage(m: Record<string, unknown>): DecodedResponse {
  const out: DecodedResponse = {};
  if (asString(m.id)) out.providerRequestId = m.id as string;
  if (asString(m.model)) out.model = m.model as string;
  const { content, calls } = blocks(m.content);
  const thinking = Array.isArray(content) ? content.filter((p) => p.type === 'thinking') : [];
  const visible = Array.isArray(content) ? content.filter((p) => p.type !== 'thinking') : content;
  const msg: AiMessage = { role: 'assistant' };
  if (visible !== undefined && !(Array.isArray(visible) && visible.length === 0)) msg.content = Array.isArray(visible) ? simplify(visible) : visible;
  else if (!calls.length) msg.content = '';
  if (calls.length) msg.tool_calls = calls;
  const stop = asString(m.stop_reason);
  const finish = normaliseFinishReason(stop);
  out.choices = [{ index: 0, message: msg, ...(finish ? { finish_reason: finish } : {}) }];
  if (calls.length) out.toolCalls = calls;
  if (stop) out.providerFinishReason = stop;
  if (finish) out.finishReason = finish;
  const usage = anthropicUsage(m.usage);
  if (usage) out.usage = usage;
  if (thinking.length) {
    const text = thinking.map((p) => (p as { text?: string }).text ?? '').join('\n');
    out.thinking = text ? { content: text } : {};
  }
  return out;
}

interface BlockAcc {
  block: Record<string, unknown>;
  text: string;
  json: string;
}

function decodeStream(response: HttpResponse): DecodedResponse {
  let message: Record<string, unknown> = {};
  const acc = new Map<number, BlockAcc>();
  let usage: Record<string, unknown> = {};
  let stopped = false;
  let firstOutputTs: string | undefined;
  let error: DecodedResponse['error'];
  for (const { event, json } of streamJson(response.stream?.events)) {
    if (!isObject(json)) continue;
    const type = asString(json.type) ?? event.event;
    const index = asNumber(json.index) ?? 0;
    if (type === 'message_start' && isObject(json.message)) {
      message = json.message;
      usage = isObject(message.usage) ? { ...message.usage } : {};
    } else if (type === 'content_block_start' && isObject(json.content_block)) {
      acc.set(index, { block: { ...json.content_block }, text: '', json: '' });
    } else if (type === 'content_block_delta' && isObject(json.delta)) {
      const a = acc.get(index) ?? { block: { type: 'text' }, text: '', json: '' };
      acc.set(index, a);
      const d = json.delta;
      if (d.type === 'text_delta') a.text += asString(d.text) ?? '';
      else if (d.type === 'thinking_delta') a.text += asString(d.thinking) ?? '';
      else if (d.type === 'input_json_delta') a.json += asString(d.partial_json) ?? '';
      if (!firstOutputTs && d.type !== 'signature_delta') firstOutputTs = event.ts;
    } else if (type === 'message_delta') {
      if (isObject(json.delta)) message = { ...message, ...json.delta };
      // message_delta usage is cumulative: it replaces what message_start said.
      if (isObject(json.usage)) for (const [k, v] of Object.entries(json.usage)) if (v !== null && v !== undefined) usage[k] = v;
    } else if (type === 'message_stop') stopped = true;
    else if (type === 'error') error = providerError(json) ?? { message: 'error event' };
  }
  const content = [...acc.entries()].sort((a, b) => a[0] - b[0]).map(([, a]) => {
    const b = a.block;
    if (b.type === 'text') return { ...b, text: (asString(b.text) ?? '') + a.text };
    if (b.type === 'thinking') return { ...b, thinking: (asString(b.thinking) ?? '') + a.text };
    if (b.type === 'tool_use' || b.type === 'server_tool_use') {
      const parsed = a.json ? parseJson(a.json) : { ok: true as const, value: b.input ?? {} };
      return { ...b, input: parsed.ok ? parsed.value : a.json };
    }
    return b;
  });
  const out = decodeMessage({ ...message, content, usage });
  if (firstOutputTs) out.firstOutputTs = firstOutputTs;
  if (error) out.error = error;
  else if (!stopped) out.incomplete = true;
  if (!stopped && !message.stop_reason) {
    delete out.finishReason;
    delete out.providerFinishReason;
    if (out.choices) delete out.choices[0].finish_reason;
  }
  return out;
}

function decodeResponse(response: HttpResponse, body: unknown): DecodedResponse {
  if (response.stream) return decodeStream(response);
  return isObject(body) ? decodeMessage(body) : {};
}

export const anthropicMessages: ApiDecoder = { api: 'anthropic.messages', decodeRequest: decodeAnthropicRequest, decodeResponse };
