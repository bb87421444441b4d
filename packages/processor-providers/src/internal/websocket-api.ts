// Model calls carried on a WebSocket: the http processor hands over one exchange (the upgrade
// request and its 101 response) whose stream events are every message, each way. An API family
// that speaks over a WebSocket says how those messages divide into calls — which client message
// asks, which server events answer it — and as what request body the ask reads, so the call is
// then decoded by the same decoder as over HTTP (one place per API shape).
import type { HttpStreamEvent } from '@oisp/core';
import type { ApiDecoder } from './api-decoder.ts';

export interface WebSocketCall {
  /** The client message that started the call. */
  ask: HttpStreamEvent;
  /** What the call asked, as the body of the same call over HTTP would say it. */
  body: Record<string, unknown>;
  /** The server's events that belong to this call, in order. */
  answer: HttpStreamEvent[];
  /** Its final event came (a call without one was cut short). */
  complete: boolean;
}

export interface WebSocketApi {
  /** The API family, as on ai.request `api`. */
  readonly api: string;
  /** ai.request `request_type` of its calls. */
  readonly requestType: string;
  /** Decodes each call's body and answer (its stream events). */
  readonly decoder: ApiDecoder;
  /** The messages of one WebSocket, in order, as calls. `query`: the upgrade URL's query (Realtime names the model there). */
  calls(messages: HttpStreamEvent[], query: URLSearchParams): WebSocketCall[];
}

/** A message's JSON object, when it is a text message holding one. */
export function messageJson(m: HttpStreamEvent): Record<string, unknown> | undefined {
  if (m.event !== 'text' || m.error !== undefined || !m.data.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(m.data) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
