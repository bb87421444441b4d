// ai.* and agent.* (events/ai.ts, DESIGN.md appendix). Our objects are closed; message content
// parts and free-form values (parameters, tool arguments, results) stay open.
import type { JsonSchema } from '../component.ts';
import { any, arrayOf, bool, closed, count, enumOf, nonNegative, openObject, str } from './common.ts';

export const providerSchema = closed({ name: str, endpoint: str, region: str, detected_by: str, compatible_with: str }, ['name']);
export const modelSchema = closed({ id: str, family: str }, ['id']);
export const authSchema = closed({ type: str, key_prefix: str, key_hash: str }, ['type']);

/** Typed content parts are open: providers keep adding kinds. Only `type` is required. */
export const contentPartSchema: JsonSchema = { type: 'object', properties: { type: str }, required: ['type'] };

export const toolCallSchema = closed({ id: str, name: str, type: str, arguments: any }, ['id', 'name', 'type', 'arguments']);

export const messageSchema = closed(
  {
    role: str,
    content: { anyOf: [str, arrayOf(contentPartSchema)] },
    content_hash: str,
    content_length: count,
    tool_call_id: str,
    name: str,
    tool_calls: arrayOf(toolCallSchema),
  },
  ['role'],
);

export const toolDefinitionSchema = closed({ name: str, type: str, description: str, parameters: any }, ['name', 'type']);

export const usageSchema = closed({
  prompt_tokens: count,
  completion_tokens: count,
  total_tokens: count,
  cached_tokens: count,
  cache_creation_tokens: count,
  reasoning_tokens: count,
});

export const costSchema = closed(
  { input_usd: nonNegative, output_usd: nonNegative, total_usd: nonNegative, source: str },
  ['input_usd', 'output_usd', 'total_usd', 'source'],
);

export const finishReasonSchema = enumOf('stop', 'length', 'tool_calls', 'content_filter', 'error', 'cancelled', 'other');
export const errorSchema = closed({ type: str, code: str, message: str });
const agentSchema = closed({ framework: str, name: str });

export const aiRequestSchema = closed(
  {
    request_id: str,
    provider: providerSchema,
    model: modelSchema,
    auth: authSchema,
    request_type: str,
    api: str,
    streaming: bool,
    messages: arrayOf(messageSchema),
    messages_count: count,
    has_system_prompt: bool,
    system_prompt_hash: str,
    tools: arrayOf(toolDefinitionSchema),
    tools_count: count,
    tool_choice: any,
    parameters: openObject,
    conversation: closed({ conversation_id: str, turn_number: count }),
    agent: agentSchema,
    http: closed({ method: str, path: str, host: str }, ['method', 'path']),
  },
  ['request_id', 'provider', 'request_type', 'streaming'],
);

export const aiResponseSchema = closed(
  {
    request_id: str,
    provider_request_id: str,
    provider: providerSchema,
    model: modelSchema,
    status_code: count,
    success: bool,
    error: errorSchema,
    choices: arrayOf(closed({ index: count, message: messageSchema, finish_reason: finishReasonSchema }, ['index', 'message'])),
    tool_calls: arrayOf(toolCallSchema),
    tool_calls_count: count,
    usage: usageSchema,
    cost: costSchema,
    finish_reason: finishReasonSchema,
    provider_finish_reason: str,
    latency_ms: nonNegative,
    time_to_first_token_ms: nonNegative,
    thinking: closed({ content: str, tokens: count }),
    streaming: bool,
  },
  ['request_id', 'provider', 'status_code', 'success'],
);

export const aiEmbeddingSchema = closed(
  {
    request_id: str,
    provider: providerSchema,
    model: modelSchema,
    input_count: count,
    dimensions: count,
    usage: usageSchema,
    cost: costSchema,
    latency_ms: nonNegative,
    status_code: count,
    success: bool,
    error: errorSchema,
  },
  ['request_id', 'provider'],
);

export const agentToolCallSchema = closed(
  { call_id: str, tool: closed({ name: str, type: str }, ['name']), arguments: any, request_id: str, agent: agentSchema },
  ['call_id', 'tool', 'arguments', 'request_id'],
);

export const agentToolResultSchema = closed(
  {
    call_id: str,
    tool: closed({ name: str }, ['name']),
    result: any,
    result_hash: str,
    result_size: count,
    success: bool,
    duration_ms: nonNegative,
    request_id: str,
  },
  ['call_id', 'tool', 'request_id'],
);

export const agentSessionSchema = closed(
  {
    agent: closed({ name: str, framework: str }, ['name']),
    root_pid: count,
    conversation_id: str,
    start_ts: str,
    end_ts: str,
    end_reason: enumOf('idle', 'exit', 'shutdown', 'evicted'),
    model_calls: count,
    tool_calls: count,
    processes: count,
  },
  ['agent', 'root_pid', 'start_ts', 'end_ts', 'end_reason', 'model_calls', 'tool_calls', 'processes'],
);
