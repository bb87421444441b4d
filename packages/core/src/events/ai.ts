// ai.* and agent.* payloads (OISP 0.1, DESIGN.md appendix). Names are kept; fields may be added.
import type { OispEvent } from '../event.ts';

export interface ProviderRef {
  /** gen_ai.provider.name value where OTel defines one (openai, anthropic, gcp.gemini, aws.bedrock, ...). */
  name: string;
  endpoint?: string;
  region?: string;
  /** How the provider was recognised: host, sni, address, port, api_shape, config. */
  detected_by?: string;
  /** Set when the provider is an OpenAI-compatible server recognised by API shape. */
  compatible_with?: string;
}

export interface ModelRef {
  id: string;
  family?: string;
}

export interface AuthInfo {
  /** bearer, api_key, sigv4, none, ... */
  type: string;
  key_prefix?: string;
  key_hash?: string;
}

/** Message content: text, or typed parts (binary parts carry sizes, never base64 dumps). */
export interface MediaPart {
  type: 'image' | 'audio' | 'file' | 'video';
  mime_type?: string;
  /** Decoded size of inline data. */
  bytes?: number;
  /** A reference (URL, gs:// or s3:// URI), never inline data. */
  uri?: string;
  file_id?: string;
  filename?: string;
}

export type ContentPart =
  | { type: 'text'; text: string }
  | MediaPart
  | { type: 'tool_call'; id?: string; name: string; arguments?: unknown }
  | { type: 'tool_result'; tool_call_id?: string; name?: string; content?: unknown; is_error?: boolean }
  | { type: 'thinking'; text?: string; redacted?: boolean }
  | { type: string; [key: string]: unknown };

export interface AiMessage {
  role: string;
  content?: string | ContentPart[];
  /** Hash of the content: kept when content capture is off, so conversations can still be linked. */
  content_hash?: string;
  content_length?: number;
  tool_call_id?: string;
  name?: string;
  tool_calls?: ToolCall[];
}

export interface ToolDefinition {
  name: string;
  type: string;
  description?: string;
  parameters?: unknown;
}

export interface ToolCall {
  id: string;
  name: string;
  type: string;
  /** Arguments as the model sent them (a JSON string for most APIs, an object for some). */
  arguments: unknown;
}

export interface AiRequest {
  request_id: string;
  provider: ProviderRef;
  model?: ModelRef;
  auth?: AuthInfo;
  /** chat | completion | embedding | responses | generate | ... */
  request_type: string;
  /** Which API family decoded it (openai.chat, anthropic.messages, gemini.generate_content, ...). */
  api?: string;
  streaming: boolean;
  messages?: AiMessage[];
  messages_count?: number;
  has_system_prompt?: boolean;
  system_prompt_hash?: string;
  tools?: ToolDefinition[];
  tools_count?: number;
  tool_choice?: unknown;
  parameters?: Record<string, unknown>;
  conversation?: { conversation_id?: string; turn_number?: number };
  agent?: { framework?: string; name?: string };
  /** http method and path, for events about calls that are not decoded (model lists, uploads). */
  http?: { method: string; path: string; host?: string };
}

export interface AiUsage {
  /** All input tokens, cached and cache-creation included. */
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  cached_tokens?: number;
  cache_creation_tokens?: number;
  reasoning_tokens?: number;
}

export interface AiCost {
  input_usd: number;
  output_usd: number;
  total_usd: number;
  /** Which price table, and its date. */
  source: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'cancelled' | 'other';

export interface AiChoice {
  index: number;
  message: AiMessage;
  finish_reason?: FinishReason;
}

export interface AiResponse {
  request_id: string;
  provider_request_id?: string;
  provider: ProviderRef;
  model?: ModelRef;
  status_code: number;
  success: boolean;
  error?: { type?: string; code?: string; message?: string };
  choices?: AiChoice[];
  tool_calls?: ToolCall[];
  tool_calls_count?: number;
  usage?: AiUsage;
  cost?: AiCost;
  finish_reason?: FinishReason;
  /** The provider's own finish reason, verbatim. */
  provider_finish_reason?: string;
  latency_ms?: number;
  time_to_first_token_ms?: number;
  thinking?: { content?: string; tokens?: number };
  streaming?: boolean;
}

export interface AiEmbedding {
  request_id: string;
  provider: ProviderRef;
  model?: ModelRef;
  input_count?: number;
  dimensions?: number;
  usage?: AiUsage;
  cost?: AiCost;
  latency_ms?: number;
  status_code?: number;
  success?: boolean;
  error?: { type?: string; code?: string; message?: string };
}

export interface AgentToolCall {
  call_id: string;
  tool: { name: string; type?: string };
  arguments: unknown;
  /** The ai.response that asked for it. */
  request_id: string;
  agent?: { name?: string; framework?: string };
}

export interface AgentToolResult {
  call_id: string;
  tool: { name: string };
  result?: unknown;
  result_hash?: string;
  result_size?: number;
  success?: boolean;
  duration_ms?: number;
  /** The ai.request that carried it. */
  request_id: string;
}

/**
 * One agent session (processor-agent): an agent process tree in one conversation, sent when the
 * session ends. Its trace_context.span_id is the `invoke_agent` span every model call and tool of
 * the session has as parent.
 */
export interface AgentSession {
  agent: { name: string; framework?: string };
  /** The process that talked to the provider. */
  root_pid: number;
  conversation_id?: string;
  start_ts: string;
  end_ts: string;
  /** idle (no activity for the idle time), exit (its process exited), shutdown, evicted (too many sessions). */
  end_reason: 'idle' | 'exit' | 'shutdown' | 'evicted';
  model_calls: number;
  tool_calls: number;
  /** Processes of the session's tree seen while it lasted. */
  processes: number;
}

export type AiRequestEvent = OispEvent<'ai.request', AiRequest>;
export type AiResponseEvent = OispEvent<'ai.response', AiResponse>;
export type AiEmbeddingEvent = OispEvent<'ai.embedding', AiEmbedding>;
export type AgentToolCallEvent = OispEvent<'agent.tool_call', AgentToolCall>;
export type AgentToolResultEvent = OispEvent<'agent.tool_result', AgentToolResult>;
export type AgentSessionEvent = OispEvent<'agent.session', AgentSession>;
