// The contract of one API family's decoder: a request body in, what it asked; a response (plain or
// streamed) in, what it answered. Decoders know wire shapes only; the processor owns events, ids,
// timing and provider detection, so adding an API family is one file and one route.
import type {
  AiChoice,
  AiMessage,
  AiUsage,
  FinishReason,
  HttpRequest,
  HttpResponse,
  ToolCall,
  ToolDefinition,
} from '@oisp/core';

export interface ProviderError {
  type?: string;
  code?: string;
  message?: string;
}

/** What a request asked for. Absent fields were not in the request (or could not be read). */
export interface DecodedRequest {
  /** chat | completion | embedding | responses | ... */
  requestType: string;
  model?: string;
  streaming: boolean;
  /** Every input message in order, the system prompt first as role `system` when there is one. */
  messages?: AiMessage[];
  tools?: ToolDefinition[];
  toolChoice?: unknown;
  parameters?: Record<string, unknown>;
  /** An explicit conversation or thread id the API carries (Responses' previous_response_id, ...). */
  conversationId?: string;
  /** Embeddings: how many inputs. */
  inputCount?: number;
}

/** What a response answered. */
export interface DecodedResponse {
  model?: string;
  /** The provider's id of this response (body `id`, a request-id header is the processor's fallback). */
  providerRequestId?: string;
  choices?: AiChoice[];
  toolCalls?: ToolCall[];
  usage?: AiUsage;
  /** The provider's finish reason verbatim, and our normalised one. */
  providerFinishReason?: string;
  finishReason?: FinishReason;
  error?: ProviderError;
  thinking?: { content?: string; tokens?: number };
  /** Timestamp (RFC 3339 ns) of the first chunk that carried output, for time to first token. */
  firstOutputTs?: string;
  /** A stream ended without its terminal event (the client abandoned it, or the capture lost it). */
  incomplete?: boolean;
  /** Embeddings: vectors returned and their size. */
  inputCount?: number;
  dimensions?: number;
}

/** Where a call went: what a decoder may need beyond the body (a model named only in the path). */
export interface CallContext {
  request: HttpRequest;
  /** The path without the query string, and the query parameters. */
  path: string;
  query: URLSearchParams;
  /** Route parameters captured from the path (model, deployment, ...). */
  params: Record<string, string>;
}

export interface ApiDecoder {
  /** The API family: openai.chat, anthropic.messages, gemini.generate_content, ... */
  readonly api: string;
  decodeRequest(body: unknown, call: CallContext): DecodedRequest;
  /** `body` is the parsed JSON body when there is one (not for streams); the raw response is there too. */
  decodeResponse(response: HttpResponse, body: unknown, request: DecodedRequest, call: CallContext): DecodedResponse;
}
