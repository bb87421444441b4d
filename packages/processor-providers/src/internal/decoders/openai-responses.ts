// OpenAI Responses API (POST .../responses). Input items become messages (function_call items as
// the assistant's tool calls, function_call_output items as tool messages); a stream's terminal
// event (response.completed / .incomplete / .failed) carries the whole response, and when it never
// came the output is rebuilt from the items and deltas that did.
import type { AiChoice, AiMessage, ContentPart, FinishReason, HttpResponse, ToolCall, ToolDefinition } from '@oisp/core';
import type { ApiDecoder, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { mediaPart, simplify } from '../content-parts.ts';
import { normaliseFinishReason } from '../finish-reason.ts';
import { asArray, asString, isObject, pick, streamJson } from '../http-body.ts';
import { providerError } from '../provider-error.ts';
import { openaiUsage } from './openai-chat.ts';

const PARAMETERS = ['temperature', 'top_p', 'max_output_tokens', 'max_tool_calls', 'parallel_tool_calls', 'reasoning', 'text', 'truncation', 'store', 'service_tier', 'user', 'top_logprobs'] as const;

function parts(content: unknown): string | ContentPart[] | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const out: ContentPart[] = [];
  for (const p of content) {
    if (!isObject(p)) continue;
    const type = asString(p.type);
    if (type === 'input_text' || type === 'output_text' || type === 'text') out.push({ type: 'text', text: asString(p.text) ?? '' });
    else if (type === 'refusal') out.push({ type: 'refusal', text: asString(p.refusal) ?? '' });
    else if (type === 'input_image') {
      const part = mediaPart('image', asString(p.image_url));
      if (asString(p.file_id)) part.file_id = p.file_id as string;
      out.push(part);
    } else if (type === 'input_file') {
      const part = mediaPart('file', asString(p.file_data) ?? asString(p.file_url));
      if (asString(p.file_id)) part.file_id = p.file_id as string;
      if (asString(p.filename)) part.filename = p.filename as string;
      out.push(part);
    } else if (type === 'input_audio') out.push(mediaPart('audio', undefined));
    else if (type) out.push({ type });
  }
  return simplify(out);
}

function functionCall(item: Record<string, unknown>): ToolCall {
  return { id: asString(item.call_id) ?? asString(item.id) ?? '', name: asString(item.name) ?? '', type: 'function', arguments: item.arguments ?? '' };
}

/** Input items -> messages; consecutive function calls join one assistant message, as chat history reads. */
function inputMessages(input: unknown): AiMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const messages: AiMessage[] = [];
  for (const item of asArray(input)) {
    if (!isObject(item)) continue;
    const type = asString(item.type) ?? 'message';
    if (type === 'message') {
      const m: AiMessage = { role: asString(item.role) ?? 'user' };
      const content = parts(item.content);
      if (content !== undefined) m.content = content;
      messages.push(m);
    } else if (type === 'function_call' || type === 'custom_tool_call') {
      const last = messages[messages.length - 1];
      const call = functionCall(type === 'custom_tool_call' ? { ...item, arguments: item.input } : item);
      if (last && last.role === 'assistant' && last.content === undefined) (last.tool_calls ??= []).push(call);
      else messages.push({ role: 'assistant', tool_calls: [call] });
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      const m: AiMessage = { role: 'tool', tool_call_id: asString(item.call_id) ?? '' };
      const output = item.output;
      m.content = typeof output === 'string' ? output : (parts(output) ?? JSON.stringify(output ?? null));
      messages.push(m);
    } else if (type === 'reasoning') {
      const summary = asArray(item.summary).filter(isObject).map((s) => asString(s.text) ?? '').join('\n');
      messages.push({ role: 'assistant', content: [{ type: 'thinking', ...(summary ? { text: summary } : {}) }] });
    } else {
      // Built-in tool items (web_search_call, file_search_call, computer_call, ...): recorded by type.
      messages.push({ role: 'assistant', content: [{ type }] });
    }
  }
  return messages;
}

function tools(body: Record<string, unknown>): ToolDefinition[] | undefined {
  const list: ToolDefinition[] = [];
  for (const t of asArray(body.tools)) {
    if (!isObject(t)) continue;
    const type = asString(t.type) ?? 'function';
    const def: ToolDefinition = { name: asString(t.name) ?? asString(t.server_label) ?? type, type };
    if (asString(t.description)) def.description = t.description as string;
    if (t.parameters !== undefined) def.parameters = t.parameters;
    list.push(def);
  }
  return list.length ? list : undefined;
}

function decodeRequest(body: unknown): DecodedRequest {
  const b = isObject(body) ? body : {};
  const req: DecodedRequest = { requestType: 'responses', streaming: b.stream === true };
  if (asString(b.model)) req.model = b.model as string;
  const messages = inputMessages(b.input);
  if (asString(b.instructions)) messages.unshift({ role: 'system', content: b.instructions as string });
  if (b.input !== undefined || messages.length) req.messages = messages;
  const t = tools(b);
  if (t) req.tools = t;
  if (b.tool_choice !== undefined) req.toolChoice = b.tool_choice;
  const params = pick(b, PARAMETERS);
  if (params) req.parameters = params;
  const conversation = isObject(b.conversation) ? asString(b.conversation.id) : asString(b.conversation);
  const conversationId = conversation ?? asString(b.previous_response_id);
  if (conversationId) req.conversationId = conversationId;
  return req;
}

/** The output items of a response object -> one assistant choice, its tool calls and reasoning. */
function decodeOutput(output: unknown[]): { message: AiMessage; toolCalls: ToolCall[]; thinking: string[] } {
  const content: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  const thinking: string[] = [];
  for (const item of output) {
    if (!isObject(item)) continue;
    const type = asString(item.type);
    if (type === 'message') {
      const p = parts(item.content);
      if (typeof p === 'string') content.push({ type: 'text', text: p });
      else if (p) content.push(...p);
    } else if (type === 'function_call') toolCalls.push(functionCall(item));
    else if (type === 'custom_tool_call') toolCalls.push({ ...functionCall(item), type: 'custom', arguments: item.input ?? '' });
    else if (type === 'reasoning') {
      const summary = asArray(item.summary).filter(isObject).map((s) => asString(s.text) ?? '').join('\n');
      if (summary) thinking.push(summary);
    } else if (type) content.push({ type });
  }
  const message: AiMessage = { role: 'assistant' };
  if (content.length > 0 || toolCalls.length === 0) message.content = simplify(content.length ? content : [{ type: 'text', text: '' }]);
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return { message, toolCalls, thinking };
}

function decodeResponseObject(r: Record<string, unknown>): DecodedResponse {
  const out: DecodedResponse = {};
  if (asString(r.id)) out.providerRequestId = r.id as string;
  if (asString(r.model)) out.model = r.model as string;
  const usage = openaiUsage(r.usage);
  if (usage) out.usage = usage;
  const { message, toolCalls, thinking } = decodeOutput(asArray(r.output));
  const status = asString(r.status);
  const incompleteReason = isObject(r.incomplete_details) ? asString(r.incomplete_details.reason) : undefined;
  let finish: FinishReason | undefined;
  if (status === 'completed') finish = toolCalls.length > 0 ? 'tool_calls' : 'stop';
  else if (status === 'incomplete') finish = normaliseFinishReason(incompleteReason) ?? 'other';
  else if (status === 'failed' || status === 'cancelled') finish = status === 'failed' ? 'error' : 'cancelled';
  if (status) out.providerFinishReason = incompleteReason ? `${status}:${incompleteReason}` : status;
  const choice: AiChoice = { index: 0, message };
  if (finish) {
    choice.finish_reason = finish;
    out.finishReason = finish;
  }
  out.choices = [choice];
  if (toolCalls.length) out.toolCalls = toolCalls;
  if (thinking.length) out.thinking = { content: thinking.join('\n') };
  const err = isObject(r.error) ? providerError({ error: r.error }) : undefined;
  if (err) out.error = err;
  return out;
}

// response.done ends a response of the Realtime API, whose events are these same ones.
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'response.cancelled', 'response.done']);
/** Text deltas: Responses and Realtime GA name them output_text, the Realtime beta text. */
const TEXT_DELTAS = new Set(['response.output_text.delta', 'response.text.delta']);

function decodeStream(response: HttpResponse): DecodedResponse {
  let terminal: DecodedResponse | undefined;
  let firstOutputTs: string | undefined;
  let error: DecodedResponse['error'];
  let latest: Record<string, unknown> | undefined;
  const items = new Map<number, Record<string, unknown>>();
  const text = new Map<number, string>();
  const args = new Map<number, string>();
  for (const { event, json } of streamJson(response.stream?.events)) {
    if (!isObject(json)) continue;
    const type = asString(json.type) ?? event.event;
    if (!firstOutputTs && type && (TEXT_DELTAS.has(type) || type === 'response.function_call_arguments.delta' || type === 'response.refusal.delta')) firstOutputTs = event.ts;
    if (isObject(json.response)) latest = json.response;
    const index = typeof json.output_index === 'number' ? json.output_index : -1;
    if (type === 'response.output_item.added' || type === 'response.output_item.done') {
      if (isObject(json.item)) items.set(index, json.item);
    } else if (type && TEXT_DELTAS.has(type)) text.set(index, (text.get(index) ?? '') + (asString(json.delta) ?? ''));
    else if (type === 'response.function_call_arguments.delta') args.set(index, (args.get(index) ?? '') + (asString(json.delta) ?? ''));
    // Over SSE the error's fields are the event's own; over a WebSocket they are in its `error`.
    else if (type === 'error') error = providerError({ error: isObject(json.error) ? json.error : json }) ?? { message: 'error event' };
    if (type && TERMINAL.has(type) && isObject(json.response)) terminal = decodeResponseObject(json.response);
  }
  if (terminal) {
    if (firstOutputTs) terminal.firstOutputTs = firstOutputTs;
    if (error && !terminal.error) terminal.error = error;
    return terminal;
  }
  // No terminal event: rebuild from the items and deltas seen so far.
  const output = [...items.entries()].sort((a, b) => a[0] - b[0]).map(([i, item]) => {
    if (item.type === 'message' && asArray(item.content).length === 0 && text.has(i)) return { ...item, content: [{ type: 'output_text', text: text.get(i) }] };
    if (item.type === 'function_call' && !item.arguments && args.has(i)) return { ...item, arguments: args.get(i) };
    return item;
  });
  const rebuilt = decodeResponseObject({ ...(latest ?? {}), status: undefined, output });
  delete rebuilt.finishReason;
  delete rebuilt.providerFinishReason;
  if (rebuilt.choices) delete rebuilt.choices[0].finish_reason;
  if (firstOutputTs) rebuilt.firstOutputTs = firstOutputTs;
  if (error) rebuilt.error = error;
  else rebuilt.incomplete = true;
  return rebuilt;
}

function decodeResponse(response: HttpResponse, body: unknown): DecodedResponse {
  if (response.stream) return decodeStream(response);
  return isObject(body) ? decodeResponseObject(body) : {};
}

export const openaiResponses: ApiDecoder = { api: 'openai.responses', decodeRequest, decodeResponse };
