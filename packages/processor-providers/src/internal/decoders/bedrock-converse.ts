// AWS Bedrock Converse (POST /model/{modelId}/converse) and ConverseStream (/converse-stream, whose
// body is AWS event-stream binary frames, decoded with @smithy/eventstream-codec). Content blocks
// become parts, toolUse the assistant's tool calls, toolResult tool results; an exception frame
// inside a 200 stream is the call's error.
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { AiMessage, AiUsage, ContentPart, HttpResponse, ToolCall, ToolDefinition } from '@oisp/core';
import type { ApiDecoder, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { inlinePart, mediaPart, simplify } from '../content-parts.ts';
import { normaliseFinishReason } from '../finish-reason.ts';
import { asArray, asNumber, asString, bodyBytes, isObject, parseJson } from '../http-body.ts';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export interface StreamFrame {
  eventType?: string;
  messageType?: string;
  exceptionType?: string;
  json?: unknown;
}

/** The frames of an AWS event stream: [u32 total length][...] each, CRC-checked by the codec. */
export function eventStreamFrames(bytes: Uint8Array): { frames: StreamFrame[]; truncated: boolean } {
  const frames: StreamFrame[] = [];
  let at = 0;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (at + 4 <= view.length) {
    const length = view.readUInt32BE(at);
    if (length < 16 || at + length > view.length) return { frames, truncated: true };
    const message = codec.decode(view.subarray(at, at + length));
    const header = (name: string) => {
      const h = message.headers[name];
      return h && typeof h.value === 'string' ? h.value : undefined;
    };
    const text = toUtf8(message.body);
    const parsed = text ? parseJson(text) : undefined;
    frames.push({ eventType: header(':event-type'), messageType: header(':message-type'), exceptionType: header(':exception-type'), json: parsed?.ok ? parsed.value : undefined });
    at += length;
  }
  return { frames, truncated: at !== view.length };
}

function blocks(content: unknown): { content?: string | ContentPart[]; calls: ToolCall[]; thinking: string[] } {
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const thinking: string[] = [];
  for (const b of asArray(content)) {
    if (!isObject(b)) continue;
    if (typeof b.text === 'string') parts.push({ type: 'text', text: b.text });
    else if (isObject(b.image)) {
      const src = isObject(b.image.source) ? b.image.source : {};
      const mime = asString(b.image.format) ? `image/${b.image.format}` : undefined;
      parts.push(isObject(src.s3Location) ? mediaPart('image', asString(src.s3Location.uri), mime) : inlinePart('image', asString(src.bytes), mime));
    } else if (isObject(b.document)) {
      const src = isObject(b.document.source) ? b.document.source : {};
      const part = inlinePart('file', asString(src.bytes), asString(b.document.format) ? `application/${b.document.format}` : undefined);
      if (asString(b.document.name)) part.filename = b.document.name as string;
      parts.push(part);
    } else if (isObject(b.toolUse)) {
      calls.push({ id: asString(b.toolUse.toolUseId) ?? '', name: asString(b.toolUse.name) ?? '', type: 'function', arguments: b.toolUse.input ?? {} });
    } else if (isObject(b.toolResult)) {
      const r = b.toolResult;
      const inner = asArray(r.content).map((c) => (isObject(c) ? (typeof c.text === 'string' ? c.text : (c.json ?? c)) : c));
      parts.push({ type: 'tool_result', tool_call_id: asString(r.toolUseId) ?? '', content: inner.length === 1 ? inner[0] : inner, ...(r.status === 'error' ? { is_error: true } : {}) });
    } else if (isObject(b.reasoningContent)) {
      const text = isObject(b.reasoningContent.reasoningText) ? asString(b.reasoningContent.reasoningText.text) : undefined;
      if (text) thinking.push(text);
    } else {
      const [type] = Object.keys(b);
      if (type) parts.push({ type });
    }
  }
  return { content: parts.length ? simplify(parts) : undefined, calls, thinking };
}

function message(m: Record<string, unknown>): AiMessage {
  const out: AiMessage = { role: asString(m.role) ?? 'user' };
  const { content, calls } = blocks(m.content);
  if (content !== undefined) out.content = content;
  if (calls.length) out.tool_calls = calls;
  return out;
}

/** Bedrock's inputTokens leave out the cache: OISP's prompt_tokens counts all input. */
export function bedrockUsage(u: unknown): AiUsage | undefined {
  if (!isObject(u)) return undefined;
  const input = asNumber(u.inputTokens);
  const read = asNumber(u.cacheReadInputTokens);
  const write = asNumber(u.cacheWriteInputTokens);
  const output = asNumber(u.outputTokens);
  const usage: AiUsage = {};
  if (input !== undefined) usage.prompt_tokens = input + (read ?? 0) + (write ?? 0);
  if (output !== undefined) usage.completion_tokens = output;
  const total = asNumber(u.totalTokens);
  if (total !== undefined) usage.total_tokens = total;
  if (read !== undefined) usage.cached_tokens = read;
  if (write !== undefined) usage.cache_creation_tokens = write;
  return Object.keys(usage).length ? usage : undefined;
}

function decodeRequest(body: unknown, call: { params: Record<string, string> }): DecodedRequest {
  const b = isObject(body) ? body : {};
  const req: DecodedRequest = { requestType: 'chat', streaming: call.params.op === 'converse-stream' };
  const messages: AiMessage[] = [];
  const system = asArray(b.system).filter(isObject);
  if (system.length) {
    const { content } = blocks(system);
    messages.push({ role: 'system', ...(content !== undefined ? { content } : {}) });
  }
  for (const m of asArray(b.messages)) if (isObject(m)) messages.push(message(m));
  if (b.messages !== undefined) req.messages = messages;
  const tc = isObject(b.toolConfig) ? b.toolConfig : undefined;
  const tools: ToolDefinition[] = [];
  for (const t of asArray(tc?.tools)) {
    if (!isObject(t) || !isObject(t.toolSpec)) continue;
    const spec = t.toolSpec;
    const def: ToolDefinition = { name: asString(spec.name) ?? '', type: 'function' };
    if (asString(spec.description)) def.description = spec.description as string;
    if (isObject(spec.inputSchema) && spec.inputSchema.json !== undefined) def.parameters = spec.inputSchema.json;
    tools.push(def);
  }
  if (tools.length) req.tools = tools;
  if (tc?.toolChoice !== undefined) req.toolChoice = tc.toolChoice;
  if (isObject(b.inferenceConfig) && Object.keys(b.inferenceConfig).length) req.parameters = { ...b.inferenceConfig };
  return req;
}

function fromMessage(m: unknown, stopReason: string | undefined, usage: unknown): DecodedResponse {
  const out: DecodedResponse = {};
  const { content, calls, thinking } = blocks(isObject(m) ? m.content : undefined);
  const msg: AiMessage = { role: 'assistant' };
  if (content !== undefined || !calls.length) msg.content = content ?? '';
  if (calls.length) msg.tool_calls = calls;
  const finish = normaliseFinishReason(stopReason);
  out.choices = [{ index: 0, message: msg, ...(finish ? { finish_reason: finish } : {}) }];
  if (calls.length) out.toolCalls = calls;
  if (stopReason) out.providerFinishReason = stopReason;
  if (finish) out.finishReason = finish;
  const u = bedrockUsage(usage);
  if (u) out.usage = u;
  if (thinking.length) out.thinking = { content: thinking.join('\n') };
  return out;
}

function decodeStream(response: HttpResponse): DecodedResponse {
  const bytes = bodyBytes(response.body);
  if (!bytes) return { incomplete: true };
  const { frames, truncated } = eventStreamFrames(bytes);
  const acc = new Map<number, { text: string; json: string; toolUse?: { toolUseId?: string; name?: string }; reasoning: string }>();
  let stopReason: string | undefined;
  let usage: unknown;
  let error: DecodedResponse['error'];
  for (const f of frames) {
    if (f.messageType === 'exception') {
      error = { type: f.exceptionType, ...(isObject(f.json) && asString(f.json.message) ? { message: f.json.message as string } : {}) };
      continue;
    }
    const j = isObject(f.json) ? f.json : {};
    const index = asNumber(j.contentBlockIndex) ?? 0;
    const a = acc.get(index) ?? { text: '', json: '', reasoning: '' };
    acc.set(index, a);
    if (f.eventType === 'contentBlockStart' && isObject(j.start) && isObject(j.start.toolUse)) a.toolUse = { toolUseId: asString(j.start.toolUse.toolUseId), name: asString(j.start.toolUse.name) };
    else if (f.eventType === 'contentBlockDelta' && isObject(j.delta)) {
      if (typeof j.delta.text === 'string') a.text += j.delta.text;
      else if (isObject(j.delta.toolUse)) a.json += asString(j.delta.toolUse.input) ?? '';
      else if (isObject(j.delta.reasoningContent)) a.reasoning += asString(j.delta.reasoningContent.text) ?? '';
    } else if (f.eventType === 'messageStop') stopReason = asString(j.stopReason);
    else if (f.eventType === 'metadata') usage = j.usage;
    if (f.eventType === 'messageStart') acc.delete(index);
  }
  const content = [...acc.entries()].sort((x, y) => x[0] - y[0]).flatMap(([, a]) => {
    const out: Record<string, unknown>[] = [];
    if (a.reasoning) out.push({ reasoningContent: { reasoningText: { text: a.reasoning } } });
    if (a.toolUse) {
      const parsed = a.json ? parseJson(a.json) : { ok: true as const, value: {} };
      out.push({ toolUse: { ...a.toolUse, input: parsed.ok ? parsed.value : a.json } });
    } else if (a.text) out.push({ text: a.text });
    return out;
  });
  const out = fromMessage({ content }, stopReason, usage);
  // The frames carry no time of their own: the first byte of the response stands for the first output.
  if (content.length) out.firstOutputTs = response.first_byte_ts;
  if (error) out.error = error;
  else if (!stopReason || truncated) out.incomplete = true;
  if (!stopReason) {
    delete out.finishReason;
    if (out.choices) delete out.choices[0].finish_reason;
  }
  return out;
}

function decodeResponse(response: HttpResponse, body: unknown, request: DecodedRequest): DecodedResponse {
  if (request.streaming) return decodeStream(response);
  if (!isObject(body)) return {};
  const output = isObject(body.output) ? body.output.message : undefined;
  return fromMessage(output, asString(body.stopReason), body.usage);
}

export const bedrockConverse: ApiDecoder = { api: 'aws.bedrock.converse', decodeRequest, decodeResponse };
