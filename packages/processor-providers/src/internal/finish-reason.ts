// Every provider's finish reason mapped onto OISP's: stop|length|tool_calls|content_filter|error|cancelled|other.
import type { FinishReason } from '@oisp/core';

const MAP: Record<string, FinishReason> = {
  // OpenAI and compatible
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
  // Responses API (status / incomplete_details.reason)
  completed: 'stop',
  max_output_tokens: 'length',
  // Anthropic
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  pause_turn: 'other',
  refusal: 'content_filter',
  model_context_window_exceeded: 'length',
  // Gemini
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
  LANGUAGE: 'other',
  OTHER: 'other',
  FINISH_REASON_UNSPECIFIED: 'other',
  // Bedrock Converse
  guardrail_intervened: 'content_filter',
  // Cohere v2
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  TOOL_CALL: 'tool_calls',
  ERROR: 'error',
  TIMEOUT: 'error',
  // Ollama done_reason
  load: 'other',
  unload: 'other',
  error: 'error',
};

export function normaliseFinishReason(reason: string | undefined | null): FinishReason | undefined {
  if (reason === undefined || reason === null || reason === '') return undefined;
  return MAP[reason] ?? MAP[reason.toLowerCase()] ?? 'other';
}
