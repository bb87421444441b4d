// OpenAI chat completions (POST .../chat/completions), and every server that speaks it: Azure,
// Mistral, Groq, Together, Fireworks, DeepSeek, xAI, OpenRouter, vLLM, Ollama's /v1, LM Studio.
// Streams are SSE chunks whose deltas are assembled here: content, tool-call arguments in pieces
// (parallel calls by index), usage in the last chunk, errors inside a 200 stream.
import type { AiChoice, AiMessage, AiUsage, ContentPart, HttpResponse, ToolCall, ToolDefinition } from '@oisp/core';
import type { ApiDecoder, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { mediaPart, simplify } from '../content-parts.ts';
import { normaliseFinishReason } from '../finish-reason.ts';
import { asArray, asNumber, asString, isObject, pick, streamJson } from '../http-body.ts';
import { providerError } from '../provider-error.ts';

export const CHAT_PARAMETERS = [
  'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop', 'n', 'seed',
  'presence_penalty', 'frequency_penalty', 'response_format', 'logprobs', 'top_logprobs',
  'reasoning_effort', 'parallel_tool_calls', 'user', 'service_tier', 'top_k', 'safe_prompt', 'random_seed',
] as const;

/** A chat message's content: a string, or parts (text, image_url, input_audio, file, refusal). */
export function chatContent(content: unknown): string | ContentPart[] | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts: ContentPart[] = [];
  for (const p of content) {
    if (!isObject(p)) continue;
    const type = asString(p.type);
    if (type === 'text' || type === 'input_text' || type === 'output_text') parts.push({ type: 'text', text: asString(p.text) ?? '' });
    else if (type === 'refusal') parts.push({ type: 'refusal', text: asString(p.refusal) ?? '' });
    else if (type === 'image_url') {
      const img = p.image_url;
      parts.push(mediaPart('image', typeof img === 'string' ? img : isObject(img) ? asString(img.url) : undefined));
    } else if (type === 'input_audio' && isObject(p.input_audio)) {
      const part = mediaPart('audio', undefined, `audio/${asString(p.input_audio.format) ?? 'wav'}`);
      const data = asString(p.input_audio.data);
      if (data) part.bytes = Buffer.byteLength(data, 'base64');
      parts.push(part);
    } else if (type === 'file' && isObject(p.file)) {
      const data = asString(p.file.file_data);
      const part = data ? mediaPart('file', data) : mediaPart('file', undefined);
      if (asString(p.file.file_id)) part.file_id = p.file.file_id as string;
      if (asString(p.file.filename)) part.filename = p.file.filename as string;
      parts.push(part);
    } else if (type) parts.push({ type });
  }
  return simplify(parts);
}

export function chatToolCalls(value: unknown): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const c of asArray(value)) {
    if (!isObject(c)) continue;
    const fn = isObject(c.function) ? c.function : {};
    calls.push({ id: asString(c.id) ?? '', name: asString(fn.name) ?? '', type: asString(c.type) ?? 'function', arguments: fn.arguments ?? '' });
  }
  return calls;
}

export function chatMessage(m: Record<string, unknown>): AiMessage {
  const msg: AiMessage = { role: asString(m.role) ?? 'user' };
  const content = chatContent(m.content);
  if (content !== undefined) msg.content = content;
  if (asString(m.name)) msg.name = m.name as string;
  if (asString(m.tool_call_id)) msg.tool_call_id = m.tool_call_id as string;
  const calls = chatToolCalls(m.tool_calls);
  // Legacy function calling: one function_call on the assistant message.
  if (isObject(m.function_call)) calls.push({ id: '', name: asString(m.function_call.name) ?? '', type: 'function', arguments: m.function_call.arguments ?? '' });
  if (calls.length > 0) msg.tool_calls = calls;
  return msg;
}

export function chatTools(body: Record<string, unknown>): ToolDefinition[] | undefined {
  const tools: ToolDefinition[] = [];
  for (const t of asArray(body.tools)) {
    if (!isObject(t)) continue;
    const fn = isObject(t.function) ? t.function : t;
    const def: ToolDefinition = { name: asString(fn.name) ?? asString(t.type) ?? '', type: asString(t.type) ?? 'function' };
    if (asString(fn.description)) def.description = fn.description as string;
    if (fn.parameters !== undefined) def.parameters = fn.parameters;
    tools.push(def);
  }
  for (const f of asArray(body.functions)) {
    if (!isObject(f)) continue;
    const def: ToolDefinition = { name: asString(f.name) ?? '', type: 'function' };
    if (asString(f.description)) def.description = f.description as string;
    if (f.parameters !== undefined) def.parameters = f.parameters;
    tools.push(def);
  }
  return tools.length > 0 ? tools : undefined;
}

/** OpenAI usage (also Mistral, Groq's x_groq.usage, DeepSeek's cache fields). */
export function openaiUsage(u: unknown): AiUsage | undefined {
  if (!isObject(u)) return undefined;
  const usage: AiUsage = {};
  const prompt = asNumber(u.prompt_tokens) ?? asNumber(u.input_tokens);
  const completion = asNumber(u.completion_tokens) ?? asNumber(u.output_tokens);
  if (prompt !== undefined) usage.prompt_tokens = prompt;
  if (completion !== undefined) usage.completion_tokens = completion;
  const total = asNumber(u.total_tokens) ?? (prompt !== undefined && completion !== undefined ? prompt + completion : undefined);
  if (total !== undefined) usage.total_tokens = total;
  // The Realtime API says input_token_details where Responses says input_tokens_details.
  const promptDetails = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : isObject(u.input_tokens_details) ? u.input_tokens_details : isObject(u.input_token_details) ? u.input_token_details : {};
  const cached = asNumber(promptDetails.cached_tokens) ?? asNumber(u.prompt_cache_hit_tokens);
  if (cached !== undefined) usage.cached_tokens = cached;
  const completionDetails = isObject(u.completion_tokens_details) ? u.completion_tokens_details : isObject(u.output_tokens_details) ? u.output_tokens_details : isObject(u.output_token_details) ? u.output_token_details : {};
  const reasoning = asNumber(completionDetails.reasoning_tokens);
  if (reasoning !== undefined) usage.reasoning_tokens = reasoning;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

function decodeRequest(body: unknown): DecodedRequest {
  return chatRequest(isObject(body) ? body : {}, CHAT_PARAMETERS);
}

/** A chat request in OpenAI's shape (model, messages, tools, tool_choice), with the provider's own
 * sampling parameters kept. Cohere v2 asks in this shape too. */
export function chatRequest(b: Record<string, unknown>, parameters: readonly string[]): DecodedRequest {
  const req: DecodedRequest = { requestType: 'chat', streaming: b.stream === true };
  if (asString(b.model)) req.model = b.model as string;
  if (Array.isArray(b.messages)) req.messages = b.messages.filter(isObject).map(chatMessage);
  const tools = chatTools(b);
  if (tools) req.tools = tools;
  if (b.tool_choice !== undefined) req.toolChoice = b.tool_choice;
  else if (b.function_call !== undefined) req.toolChoice = b.function_call;
  const params = pick(b, parameters);
  if (params) req.parameters = params;
  return req;
}

interface ChoiceAcc {
  content: string;
  refusal: string;
  reasoning: string;
  role: string;
  finish?: string;
  /** Tool calls by their stream index: arguments arrive in pieces. */
  calls: Map<number, ToolCall & { arguments: string }>;
}

function decodeStream(response: HttpResponse): DecodedResponse {
  const out: DecodedResponse = {};
  const choices = new Map<number, ChoiceAcc>();
  let done = false;
  for (const { event, json } of streamJson(response.stream?.events)) {
    if (event.data.trim() === '[DONE]') {
      done = true;
      continue;
    }
    if (!isObject(json)) continue;
    if (json.error !== undefined) {
      out.error = providerError(json) ?? { message: String(json.error) };
      continue;
    }
    if (asString(json.id) && !out.providerRequestId) out.providerRequestId = json.id as string;
    if (asString(json.model)) out.model = json.model as string;
    const usage = openaiUsage(json.usage) ?? (isObject(json.x_groq) ? openaiUsage(json.x_groq.usage) : undefined);
    if (usage) out.usage = usage;
    for (const c of asArray(json.choices)) {
      if (!isObject(c)) continue;
      const index = asNumber(c.index) ?? 0;
      let acc = choices.get(index);
      if (!acc) choices.set(index, (acc = { content: '', refusal: '', reasoning: '', role: 'assistant', calls: new Map() }));
      const delta = isObject(c.delta) ? c.delta : {};
      if (asString(delta.role)) acc.role = delta.role as string;
      const text = asString(delta.content);
      const reasoning = asString(delta.reasoning_content) ?? asString(delta.reasoning);
      if (text) acc.content += text;
      if (asString(delta.refusal)) acc.refusal += delta.refusal as string;
      if (reasoning) acc.reasoning += reasoning;
      for (const tc of asArray(delta.tool_calls)) {
        if (!isObject(tc)) continue;
        const ti = asNumber(tc.index) ?? acc.calls.size;
        let callAcc = acc.calls.get(ti);
        if (!callAcc) acc.calls.set(ti, (callAcc = { id: '', name: '', type: 'function', arguments: '' }));
        const fn = isObject(tc.function) ? tc.function : {};
        if (asString(tc.id)) callAcc.id = tc.id as string;
        if (asString(tc.type)) callAcc.type = tc.type as string;
        if (asString(fn.name)) callAcc.name += fn.name as string;
        if (typeof fn.arguments === 'string') callAcc.arguments += fn.arguments;
        else if (fn.arguments !== undefined) callAcc.arguments += JSON.stringify(fn.arguments);
      }
      if ((text || reasoning || asArray(delta.tool_calls).length > 0) && !out.firstOutputTs) out.firstOutputTs = event.ts;
      if (asString(c.finish_reason)) acc.finish = c.finish_reason as string;
    }
  }
  const list: AiChoice[] = [];
  const toolCalls: ToolCall[] = [];
  const thinking: string[] = [];
  for (const [index, acc] of [...choices].sort((a, b) => a[0] - b[0])) {
    const message: AiMessage = { role: acc.role };
    if (acc.content || acc.calls.size === 0) message.content = acc.content;
    if (acc.refusal) message.content = [...(acc.content ? [{ type: 'text', text: acc.content }] : []), { type: 'refusal', text: acc.refusal }];
    const calls = [...acc.calls].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
    if (calls.length > 0) message.tool_calls = calls;
    toolCalls.push(...calls);
    if (acc.reasoning) thinking.push(acc.reasoning);
    const choice: AiChoice = { index, message };
    const finish = normaliseFinishReason(acc.finish);
    if (finish) choice.finish_reason = finish;
    list.push(choice);
    if (index === 0 || !out.providerFinishReason) out.providerFinishReason = acc.finish;
  }
  if (list.length > 0) out.choices = list;
  if (toolCalls.length > 0) out.toolCalls = toolCalls;
  if (thinking.length > 0) out.thinking = { content: thinking.join('\n') };
  if (out.providerFinishReason === undefined) delete out.providerFinishReason;
  out.finishReason = normaliseFinishReason(out.providerFinishReason);
  if (out.finishReason === undefined) delete out.finishReason;
  // [DONE] or a finish reason ends a healthy stream; without either, it was cut short.
  if (!done && !out.providerFinishReason && !out.error) out.incomplete = true;
  return out;
}

function decodeResponse(response: HttpResponse, body: unknown): DecodedResponse {
  if (response.stream) return decodeStream(response);
  if (!isObject(body)) return {};
  const out: DecodedResponse = {};
  if (asString(body.id)) out.providerRequestId = body.id as string;
  if (asString(body.model)) out.model = body.model as string;
  const usage = openaiUsage(body.usage);
  if (usage) out.usage = usage;
  const choices: AiChoice[] = [];
  const toolCalls: ToolCall[] = [];
  const thinking: string[] = [];
  for (const c of asArray(body.choices)) {
    if (!isObject(c) || !isObject(c.message)) continue;
    const message = chatMessage(c.message);
    if (typeof c.message.refusal === 'string' && c.message.refusal) {
      message.content = [...(typeof message.content === 'string' && message.content ? [{ type: 'text', text: message.content }] : []), { type: 'refusal', text: c.message.refusal }];
    }
    if (message.content === undefined && !message.tool_calls) message.content = '';
    const reasoning = asString(c.message.reasoning_content) ?? asString(c.message.reasoning);
    if (reasoning) thinking.push(reasoning);
    const choice: AiChoice = { index: asNumber(c.index) ?? choices.length, message };
    const finish = normaliseFinishReason(asString(c.finish_reason));
    if (finish) choice.finish_reason = finish;
    choices.push(choice);
    if (message.tool_calls) toolCalls.push(...message.tool_calls);
    if (choices.length === 1 && asString(c.finish_reason)) out.providerFinishReason = c.finish_reason as string;
  }
  if (choices.length > 0) out.choices = choices;
  if (toolCalls.length > 0) out.toolCalls = toolCalls;
  if (thinking.length > 0) out.thinking = { content: thinking.join('\n') };
  const finish = normaliseFinishReason(out.providerFinishReason);
  if (finish) out.finishReason = finish;
  return out;
}

export const openaiChat: ApiDecoder = { api: 'openai.chat', decodeRequest, decodeResponse };
