// Google Gemini: generateContent / streamGenerateContent (SSE with ?alt=sse, else a JSON array
// streamed element by element) and embedContent / batchEmbedContents, on the Gemini API and on
// Vertex AI (the model is named in the path). Older API versions give function calls no id: we
// name them `gemini:{name}:{n}` (the n-th call of that name in the turn), and a functionResponse
// without id gets the same name by the same count, so calls and results still pair.
import type { AiChoice, AiMessage, AiUsage, ContentPart, HttpResponse, ToolCall, ToolDefinition } from '@oisp/core';
import type { ApiDecoder, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { inlinePart, kindOfMime, mediaPart, simplify } from '../content-parts.ts';
import { normaliseFinishReason } from '../finish-reason.ts';
import { asArray, asNumber, asString, isObject, streamJson } from '../http-body.ts';

function syntheticId(name: string, counts: Map<string, number>): string {
  const n = counts.get(name) ?? 0;
  counts.set(name, n + 1);
  return `gemini:${name}:${n}`;
}

interface DecodedParts {
  content?: string | ContentPart[];
  calls: ToolCall[];
  thoughts: string[];
}

function parts(list: unknown): DecodedParts {
  const out: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const thoughts: string[] = [];
  const callCounts = new Map<string, number>();
  const resultCounts = new Map<string, number>();
  for (const p of asArray(list)) {
    if (!isObject(p)) continue;
    if (typeof p.text === 'string') {
      if (p.thought === true) thoughts.push(p.text);
      else out.push({ type: 'text', text: p.text });
    } else if (isObject(p.inlineData)) {
      const mime = asString(p.inlineData.mimeType);
      out.push(inlinePart(kindOfMime(mime), asString(p.inlineData.data), mime));
    } else if (isObject(p.fileData)) {
      const mime = asString(p.fileData.mimeType);
      out.push(mediaPart(kindOfMime(mime), asString(p.fileData.fileUri), mime));
    } else if (isObject(p.functionCall)) {
      const name = asString(p.functionCall.name) ?? '';
      calls.push({ id: asString(p.functionCall.id) ?? syntheticId(name, callCounts), name, type: 'function', arguments: p.functionCall.args ?? {} });
    } else if (isObject(p.functionResponse)) {
      const name = asString(p.functionResponse.name) ?? '';
      out.push({ type: 'tool_result', tool_call_id: asString(p.functionResponse.id) ?? syntheticId(name, resultCounts), name, content: p.functionResponse.response });
    } else if (isObject(p.executableCode)) out.push({ type: 'executable_code', language: p.executableCode.language, code: p.executableCode.code });
    else if (isObject(p.codeExecutionResult)) out.push({ type: 'code_execution_result', outcome: p.codeExecutionResult.outcome });
  }
  return { content: out.length ? simplify(out) : undefined, calls, thoughts };
}

function message(c: Record<string, unknown>, defaultRole: string): AiMessage {
  const role = asString(c.role) ?? defaultRole;
  const { content, calls } = parts(c.parts);
  // Gemini says `model` for the assistant; OISP keeps the conventions' `assistant`.
  const msg: AiMessage = { role: role === 'model' ? 'assistant' : role };
  if (content !== undefined) msg.content = content;
  if (calls.length) msg.tool_calls = calls;
  return msg;
}

function tools(body: Record<string, unknown>): ToolDefinition[] | undefined {
  const list: ToolDefinition[] = [];
  for (const t of asArray(body.tools)) {
    if (!isObject(t)) continue;
    for (const f of asArray(t.functionDeclarations ?? t.function_declarations)) {
      if (!isObject(f)) continue;
      const def: ToolDefinition = { name: asString(f.name) ?? '', type: 'function' };
      if (asString(f.description)) def.description = f.description as string;
      const params = f.parameters ?? f.parametersJsonSchema;
      if (params !== undefined) def.parameters = params;
      list.push(def);
    }
    // Built-in tools (googleSearch, codeExecution, urlContext, ...) by their key.
    for (const key of Object.keys(t)) if (key !== 'functionDeclarations' && key !== 'function_declarations') list.push({ name: key, type: key });
  }
  return list.length ? list : undefined;
}

function decodeRequest(body: unknown, call: { params: Record<string, string>; path: string }): DecodedRequest {
  const b = isObject(body) ? body : {};
  const method = call.params.method ?? '';
  if (method === 'embedContent' || method === 'batchEmbedContents') {
    const req: DecodedRequest = { requestType: 'embedding', streaming: false };
    req.inputCount = method === 'batchEmbedContents' ? asArray(b.requests).length : 1;
    const dims = asNumber(b.outputDimensionality);
    if (dims !== undefined) req.parameters = { outputDimensionality: dims };
    return req;
  }
  const req: DecodedRequest = { requestType: 'chat', streaming: method === 'streamGenerateContent' };
  const messages: AiMessage[] = [];
  const system = b.systemInstruction ?? b.system_instruction;
  if (isObject(system)) messages.push(message({ ...system, role: 'system' }, 'system'));
  else if (typeof system === 'string') messages.push({ role: 'system', content: system });
  for (const c of asArray(b.contents)) if (isObject(c)) messages.push(message(c, 'user'));
  if (b.contents !== undefined || messages.length) req.messages = messages;
  const t = tools(b);
  if (t) req.tools = t;
  if (b.toolConfig !== undefined) req.toolChoice = b.toolConfig;
  const gen = isObject(b.generationConfig) ? b.generationConfig : undefined;
  if (gen && Object.keys(gen).length) req.parameters = { ...gen };
  if (asString(b.cachedContent)) req.parameters = { ...req.parameters, cachedContent: b.cachedContent };
  return req;
}

export function geminiUsage(u: unknown): AiUsage | undefined {
  if (!isObject(u)) return undefined;
  const usage: AiUsage = {};
  const prompt = asNumber(u.promptTokenCount);
  const toolPrompt = asNumber(u.toolUsePromptTokenCount) ?? 0;
  const candidates = asNumber(u.candidatesTokenCount);
  const thoughts = asNumber(u.thoughtsTokenCount);
  // promptTokenCount already includes cached content; tool-use prompts are input too.
  if (prompt !== undefined) usage.prompt_tokens = prompt + toolPrompt;
  // Output is what the candidates said plus the thinking it took (billed as output).
  if (candidates !== undefined || thoughts !== undefined) usage.completion_tokens = (candidates ?? 0) + (thoughts ?? 0);
  const total = asNumber(u.totalTokenCount);
  if (total !== undefined) usage.total_tokens = total;
  const cached = asNumber(u.cachedContentTokenCount);
  if (cached !== undefined) usage.cached_tokens = cached;
  if (thoughts !== undefined) usage.reasoning_tokens = thoughts;
  return Object.keys(usage).length ? usage : undefined;
}

interface CandidateAcc {
  text: string;
  other: ContentPart[];
  calls: ToolCall[];
  thoughts: string[];
  finish?: string;
}

/** Chunks (one for a plain response) -> choices, tool calls, usage. */
function assemble(chunks: { json: Record<string, unknown>; ts?: string }[]): DecodedResponse {
  const out: DecodedResponse = {};
  const cands = new Map<number, CandidateAcc>();
  let blocked: string | undefined;
  for (const { json, ts } of chunks) {
    if (asString(json.responseId)) out.providerRequestId = json.responseId as string;
    if (asString(json.modelVersion)) out.model = json.modelVersion as string;
    const usage = geminiUsage(json.usageMetadata);
    if (usage) out.usage = usage;
    if (isObject(json.promptFeedback) && asString(json.promptFeedback.blockReason)) blocked = json.promptFeedback.blockReason as string;
    for (const c of asArray(json.candidates)) {
      if (!isObject(c)) continue;
      const index = asNumber(c.index) ?? 0;
      let acc = cands.get(index);
      if (!acc) cands.set(index, (acc = { text: '', other: [], calls: [], thoughts: [] }));
      const p = parts(isObject(c.content) ? c.content.parts : undefined);
      const list = typeof p.content === 'string' ? [{ type: 'text', text: p.content } as ContentPart] : (p.content ?? []);
      for (const part of list) {
        if (part.type === 'text') acc.text += (part as { text: string }).text;
        else acc.other.push(part);
      }
      // Calls arrive whole, one chunk each: renumber synthetic ids across the stream.
      for (const call of p.calls) {
        const n = acc.calls.filter((x) => x.name === call.name).length;
        acc.calls.push(call.id.startsWith('gemini:') ? { ...call, id: `gemini:${call.name}:${n}` } : call);
      }
      acc.thoughts.push(...p.thoughts);
      if ((list.length || p.calls.length) && ts && !out.firstOutputTs) out.firstOutputTs = ts;
      if (asString(c.finishReason)) acc.finish = c.finishReason as string;
    }
  }
  const choices: AiChoice[] = [];
  const toolCalls: ToolCall[] = [];
  const thoughts: string[] = [];
  for (const [index, acc] of [...cands].sort((a, b) => a[0] - b[0])) {
    const content: ContentPart[] = [...(acc.text ? [{ type: 'text', text: acc.text } as ContentPart] : []), ...acc.other];
    const msg: AiMessage = { role: 'assistant' };
    if (content.length || !acc.calls.length) msg.content = simplify(content.length ? content : [{ type: 'text', text: '' }]);
    if (acc.calls.length) msg.tool_calls = acc.calls;
    const choice: AiChoice = { index, message: msg };
    // Gemini says STOP even when it calls functions; OISP says tool_calls then.
    const finish = acc.calls.length && acc.finish === 'STOP' ? 'tool_calls' : normaliseFinishReason(acc.finish);
    if (finish) choice.finish_reason = finish;
    choices.push(choice);
    toolCalls.push(...acc.calls);
    thoughts.push(...acc.thoughts);
    if (index === 0 && acc.finish) {
      out.providerFinishReason = acc.finish;
      if (finish) out.finishReason = finish;
    }
  }
  if (choices.length) out.choices = choices;
  if (toolCalls.length) out.toolCalls = toolCalls;
  if (thoughts.length) out.thinking = { content: thoughts.join('\n'), ...(out.usage?.reasoning_tokens !== undefined ? { tokens: out.usage.reasoning_tokens } : {}) };
  if (blocked && !out.finishReason) {
    out.providerFinishReason = blocked;
    out.finishReason = 'content_filter';
  }
  return out;
}

function decodeResponse(response: HttpResponse, body: unknown, request: DecodedRequest): DecodedResponse {
  if (request.requestType === 'embedding') {
    const b = isObject(body) ? body : {};
    const embeddings = isObject(b.embedding) ? [b.embedding] : asArray(b.embeddings).filter(isObject);
    const out: DecodedResponse = { inputCount: embeddings.length };
    const first = embeddings[0]?.values;
    if (Array.isArray(first)) out.dimensions = first.length;
    return out;
  }
  let chunks: { json: Record<string, unknown>; ts?: string }[];
  if (response.stream) {
    chunks = streamJson(response.stream.events).flatMap(({ event, json }) => (isObject(json) ? [{ json, ts: event.ts }] : []));
  } else if (Array.isArray(body)) {
    // A JSON-array stream that arrived as one body (no framing events): every element, one time.
    chunks = body.filter(isObject).map((json) => ({ json }));
  } else chunks = isObject(body) ? [{ json: body }] : [];
  const out = assemble(chunks);
  // A stream ends with a chunk that has a finish reason; without one it was cut short.
  if (request.streaming && !out.providerFinishReason) out.incomplete = true;
  return out;
}

export const gemini: ApiDecoder = { api: 'gemini.generate_content', decodeRequest, decodeResponse };
export const geminiEmbed: ApiDecoder = { api: 'gemini.embed_content', decodeRequest, decodeResponse };
