// The mock's answers, per API family, in the shapes of each provider's API reference.
import type { IncomingHttpHeaders } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

export interface MockRequest {
  host: string;
  path: string;
  query: URLSearchParams;
  method: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Streamed: each chunk is written on its own. */
  chunks?: (string | Uint8Array)[];
}

type Obj = Record<string, any>;

export const ANSWER = 'The weather in Paris is sunny, 21 degrees.';
const ARGS = { city: 'Paris' };

/** Arguments a model would give the tool: a shell tool gets a command, anything else a city. */
function argsFor(schema: Obj | undefined): Obj {
  const first = Object.keys(schema?.properties ?? {})[0];
  if (first === 'command') return { command: 'ls && cat notes.txt' };
  return first && first !== 'city' ? { [first]: 'Paris' } : ARGS;
}
let seq = 0;
const nextId = (prefix: string) => `${prefix}${(++seq).toString().padStart(4, '0')}`;

const json = (body: unknown, headers: Record<string, string> = {}): Reply => ({ headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const sse = (events: { event?: string; data: unknown }[]): Reply => ({
  headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  chunks: events.map((e) => `${e.event ? `event: ${e.event}\n` : ''}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`),
});
/** Text split in a few pieces, as a model streams it. */
const pieces = (text: string) => text.match(/.{1,12}/g) ?? [text];

// ---- OpenAI chat completions (also Azure, Mistral, Groq) --------------------------------------

function openaiChat(b: Obj): Reply {
  const wantsTool = Array.isArray(b.tools) && b.tools.length > 0 && !b.messages?.some((m: Obj) => m.role === 'tool');
  const id = nextId('chatcmpl-mock');
  const model = b.model ?? 'gpt-4o-mini';
  const usage = { prompt_tokens: 31, completion_tokens: 12, total_tokens: 43, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };
  const tool = wantsTool ? { id: nextId('call_'), type: 'function', function: { name: b.tools[0].function.name, arguments: JSON.stringify(argsFor(b.tools[0].function.parameters)) } } : undefined;
  if (!b.stream) {
    return json({
      id, object: 'chat.completion', created: 1_750_000_000, model, system_fingerprint: 'fp_mock',
      choices: [{ index: 0, message: { role: 'assistant', content: tool ? null : ANSWER, refusal: null, ...(tool ? { tool_calls: [tool] } : {}) }, logprobs: null, finish_reason: tool ? 'tool_calls' : 'stop' }],
      usage,
    }, { 'x-request-id': `req_${id}` });
  }
  const base = { id, object: 'chat.completion.chunk', created: 1_750_000_000, model, system_fingerprint: 'fp_mock' };
  const events: { data: unknown }[] = [{ data: { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: tool ? null : '' }, finish_reason: null }] } }];
  if (tool) {
    const args = tool.function.arguments;
    events.push({ data: { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: tool.id, type: 'function', function: { name: tool.function.name, arguments: '' } }] }, finish_reason: null }] } });
    for (const p of pieces(args)) events.push({ data: { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: p } }] }, finish_reason: null }] } });
  } else {
    for (const p of pieces(ANSWER)) events.push({ data: { ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] } });
  }
  events.push({ data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: tool ? 'tool_calls' : 'stop' }] } });
  if (b.stream_options?.include_usage) events.push({ data: { ...base, choices: [], usage } });
  events.push({ data: '[DONE]' });
  return sse(events);
}

// ---- OpenAI Responses ----------------------------------------------------------------------

/** The answer to a Responses request as a model in a tool loop gives it: a tool call while tools are offered and no result came back yet, else text. */
function openaiResponseObject(b: Obj): { response: Obj; item: Obj } {
  const input = Array.isArray(b.input) ? b.input : [];
  const wantsTool = Array.isArray(b.tools) && b.tools.length > 0 && !input.some((i: Obj) => i.type === 'function_call_output');
  const id = nextId('resp_mock');
  const model = b.model ?? 'gpt-4.1';
  const item = wantsTool
    ? { id: nextId('fc_'), type: 'function_call', status: 'completed', call_id: nextId('call_'), name: b.tools[0].name, arguments: JSON.stringify(ARGS) }
    : { id: nextId('msg_'), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: ANSWER, annotations: [] }] };
  const usage = { input_tokens: 40, input_tokens_details: { cached_tokens: 0 }, output_tokens: 11, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 51 };
  const response = { id, object: 'response', created_at: 1_750_000_000, status: 'completed', error: null, incomplete_details: null, model, output: [item], usage, parallel_tool_calls: true, tool_choice: 'auto', tools: b.tools ?? [], previous_response_id: b.previous_response_id ?? null };
  return { response, item };
}

/** The events of a streamed Responses answer: the SSE stream and the WebSocket carry the same ones. */
export function openaiResponseEvents(b: Obj): Obj[] {
  const { response, item } = openaiResponseObject(b);
  const inProgress = { ...response, status: 'in_progress', output: [], usage: null };
  let n = 0;
  const ev = (type: string, rest: Obj) => ({ type, sequence_number: n++, ...rest });
  const events = [ev('response.created', { response: inProgress }), ev('response.in_progress', { response: inProgress })];
  if (item.type === 'message') {
    events.push(ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }));
    events.push(ev('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
    for (const p of pieces(ANSWER)) events.push(ev('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: p, logprobs: [] }));
    events.push(ev('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text: ANSWER, logprobs: [] }));
    events.push(ev('response.content_part.done', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: ANSWER, annotations: [] } }));
  } else {
    events.push(ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } }));
    for (const p of pieces(item.arguments as string)) events.push(ev('response.function_call_arguments.delta', { item_id: item.id, output_index: 0, delta: p }));
    events.push(ev('response.function_call_arguments.done', { item_id: item.id, output_index: 0, arguments: item.arguments }));
  }
  events.push(ev('response.output_item.done', { output_index: 0, item }));
  events.push(ev('response.completed', { response }));
  return events;
}

function openaiResponses(b: Obj): Reply {
  if (!b.stream) return json(openaiResponseObject(b).response);
  return sse(openaiResponseEvents(b).map((e) => ({ event: e.type, data: e })));
}

function openaiEmbeddings(b: Obj): Reply {
  const inputs = Array.isArray(b.input) ? b.input : [b.input];
  const dims = b.dimensions ?? 8;
  return json({
    object: 'list',
    data: inputs.map((_: unknown, index: number) => ({ object: 'embedding', index, embedding: Array.from({ length: dims }, (_v, i) => (i + 1) / 100) })),
    model: b.model,
    usage: { prompt_tokens: 5 * inputs.length, total_tokens: 5 * inputs.length },
  });
}

// ---- Anthropic Messages ----------------------------------------------------------------------

function anthropicMessages(b: Obj): Reply {
  const last = b.messages?.[b.messages.length - 1];
  const hasResult = Array.isArray(last?.content) && last.content.some((c: Obj) => c.type === 'tool_result');
  const wantsTool = Array.isArray(b.tools) && b.tools.length > 0 && !hasResult;
  const id = nextId('msg_mock');
  const usage = { input_tokens: 52, cache_creation_input_tokens: 0, cache_read_input_tokens: 16, output_tokens: 18 };
  const blocks: Obj[] = wantsTool
    ? [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: nextId('toolu_'), name: b.tools[0].name, input: argsFor(b.tools[0].input_schema) }]
    : [{ type: 'text', text: ANSWER }];
  const stop = wantsTool ? 'tool_use' : 'end_turn';
  const message = { id, type: 'message', role: 'assistant', model: b.model, content: blocks, stop_reason: stop, stop_sequence: null, usage };
  if (!b.stream) return json(message, { 'request-id': `req_${id}` });
  const events: { event: string; data: unknown }[] = [
    { event: 'message_start', data: { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } } },
  ];
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } });
      for (const p of pieces(block.text)) events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } } });
    } else {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { ...block, input: {} } } });
      for (const p of pieces(JSON.stringify(block.input))) events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } } });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } } });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return sse(events);
}

// ---- Gemini ----------------------------------------------------------------------------------

function gemini(model: string, method: string, b: Obj): Reply {
  const contents: Obj[] = b.contents ?? [];
  const hasResult = contents.some((c) => c.parts?.some((p: Obj) => p.functionResponse));
  const decls = b.tools?.flatMap((t: Obj) => t.functionDeclarations ?? []) ?? [];
  const wantsTool = decls.length > 0 && !hasResult;
  const usageMetadata = { promptTokenCount: 24, candidatesTokenCount: 11, totalTokenCount: 35 };
  const responseId = nextId('gem-');
  const base = { modelVersion: model, responseId };
  if (method === 'generateContent') {
    const parts = wantsTool ? [{ functionCall: { name: decls[0].name, args: ARGS } }] : [{ text: ANSWER }];
    return json({ candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata, ...base });
  }
  const chunks = pieces(ANSWER).map((text, i, all) => ({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(i === all.length - 1 ? { finishReason: 'STOP' } : {}) }],
    ...(i === all.length - 1 ? { usageMetadata } : {}),
    ...base,
  }));
  return sse(chunks.map((data) => ({ data })));
}

// ---- Cohere v2 -----------------------------------------------------------------------------

function cohereChat(b: Obj): Reply {
  const wantsTool = Array.isArray(b.tools) && b.tools.length > 0 && !b.messages?.some((m: Obj) => m.role === 'tool');
  const id = nextId('cohere-');
  const usage = { billed_units: { input_tokens: 20, output_tokens: 9 }, tokens: { input_tokens: 210, output_tokens: 12 } };
  if (wantsTool) {
    return json({ id, finish_reason: 'TOOL_CALL', message: { role: 'assistant', tool_plan: 'I will look up the weather.', tool_calls: [{ id: nextId('get_weather_'), type: 'function', function: { name: b.tools[0].function.name, arguments: JSON.stringify(ARGS) } }] }, usage });
  }
  if (!b.stream) return json({ id, finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'text', text: ANSWER }] }, usage });
  const events: { event: string; data: unknown }[] = [
    { event: 'message-start', data: { id, type: 'message-start', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } } },
    { event: 'content-start', data: { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } } },
    ...pieces(ANSWER).map((text) => ({ event: 'content-delta', data: { type: 'content-delta', index: 0, delta: { message: { content: { text } } } } })),
    { event: 'content-end', data: { type: 'content-end', index: 0 } },
    { event: 'message-end', data: { type: 'message-end', delta: { finish_reason: 'COMPLETE', usage } } },
  ];
  return sse(events);
}

// ---- AWS Bedrock Converse --------------------------------------------------------------------

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(eventType: string, payload: unknown): Uint8Array {
  const str = (value: string) => ({ type: 'string' as const, value });
  return codec.encode({ headers: { ':event-type': str(eventType), ':content-type': str('application/json'), ':message-type': str('event') }, body: fromUtf8(JSON.stringify(payload)) });
}

function bedrock(op: string, b: Obj): Reply {
  const wantsTool = Array.isArray(b.toolConfig?.tools) && !b.messages?.some((m: Obj) => m.content?.some((c: Obj) => c.toolResult));
  const requestId = nextId('bedrock-req-');
  const usage = { inputTokens: 27, outputTokens: 14, totalTokens: 41 };
  const headers = { 'x-amzn-requestid': requestId };
  const toolUse = wantsTool ? { toolUseId: nextId('tooluse_'), name: b.toolConfig.tools[0].toolSpec.name, input: ARGS } : undefined;
  if (op === 'converse') {
    const content = toolUse ? [{ text: 'Let me check.' }, { toolUse }] : [{ text: ANSWER }];
    return json({ output: { message: { role: 'assistant', content } }, stopReason: toolUse ? 'tool_use' : 'end_turn', usage, metrics: { latencyMs: 90 } }, headers);
  }
  const frames = [frame('messageStart', { role: 'assistant' })];
  if (toolUse) {
    frames.push(frame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: toolUse.toolUseId, name: toolUse.name } } }));
    for (const p of pieces(JSON.stringify(ARGS))) frames.push(frame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: p } } }));
  } else {
    for (const p of pieces(ANSWER)) frames.push(frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: p } }));
  }
  frames.push(frame('contentBlockStop', { contentBlockIndex: 0 }), frame('messageStop', { stopReason: toolUse ? 'tool_use' : 'end_turn' }), frame('metadata', { usage, metrics: { latencyMs: 120 } }));
  return { headers: { 'content-type': 'application/vnd.amazon.eventstream', ...headers }, chunks: frames };
}

// ---- Ollama ----------------------------------------------------------------------------------

function ollamaChat(b: Obj): Reply {
  const model = b.model ?? 'llama3.2';
  const final = { model, created_at: '2025-11-24T22:05:11Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 1000, prompt_eval_count: 26, eval_count: 9 };
  if (b.stream === false) return json({ ...final, message: { role: 'assistant', content: ANSWER } });
  const lines = pieces(ANSWER).map((content) => JSON.stringify({ model, created_at: '2025-11-24T22:05:11Z', message: { role: 'assistant', content }, done: false }) + '\n');
  return { headers: { 'content-type': 'application/x-ndjson' }, chunks: [...lines, JSON.stringify(final) + '\n'] };
}

export function respond(req: MockRequest): Reply {
  const b = (req.body ?? {}) as Obj;
  const g = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(req.path);
  if (g) return gemini(g[1], g[2], b);
  if (req.path === '/v1/messages') return anthropicMessages(b);
  if (req.path === '/v2/chat') return cohereChat(b);
  if (req.path === '/api/chat') return ollamaChat(b);
  const br = /^\/model\/[^/]+\/(converse|converse-stream)$/.exec(req.path);
  if (br) return bedrock(br[1], b);
  if (req.path.endsWith('/chat/completions')) return openaiChat(b);
  if (req.path.endsWith('/responses')) return openaiResponses(b);
  if (req.path.endsWith('/embeddings')) return openaiEmbeddings(b);
  return { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { message: `mock: no route for ${req.method} ${req.path}`, type: 'not_found' } }) };
}
