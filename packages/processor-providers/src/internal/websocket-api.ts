// Model calls carried on a WebSocket: the http processor hands over the upgrade exchange, then the
// messages in http.websocket events as they complete. An API family that speaks over a WebSocket
// says how those messages divide into calls — which client message asks, which server events
// answer it — and as what request body the ask reads, so each call is decoded by the same decoder
// as over HTTP (one place per API shape). Calls are divided as the messages come: a call goes out
// at its final event, and only the calls not finished yet are held.
import type { HttpWebSocketMessage } from '@oisp/core';
import type { ApiDecoder } from './api-decoder.ts';

export interface WebSocketCall {
  /** The client message that started the call. */
  ask: HttpWebSocketMessage;
  /** What the call asked, as the body of the same call over HTTP would say it. */
  body: Record<string, unknown>;
  /** The server's events that belong to this call, in order. */
  answer: HttpWebSocketMessage[];
  /** Its final event came (a call without one was cut short). */
  complete: boolean;
  /** Answer messages not kept because the call outgrew max_websocket_call_bytes (its final event always is). */
  notKept: number;
}

/** The calls of one WebSocket, divided as its messages come. */
export interface WebSocketCalls {
  /** One message, in order: the calls it finished (most messages finish none). */
  push(message: HttpWebSocketMessage): WebSocketCall[];
  /** The WebSocket ended: the calls still open, unfinished. */
  end(): WebSocketCall[];
  /** Text held for the calls not finished yet. */
  readonly heldBytes: number;
}

export interface WebSocketApi {
  /** The API family, as on ai.request `api`. */
  readonly api: string;
  /** ai.request `request_type` of its calls. */
  readonly requestType: string;
  /** Decodes each call's body and answer (its stream events). */
  readonly decoder: ApiDecoder;
  /** Starts dividing one WebSocket's messages. `query`: the upgrade URL's query (Realtime names the model there); `maxCallBytes`: what one call may hold. */
  open(query: URLSearchParams, maxCallBytes: number): WebSocketCalls;
}

/**
 * The calls asked and not yet answered, answered in order: server events go to the oldest. A call
 * ends at its final event, or at an error before its response began (the ask was refused); a
 * second response.created means the one before never got its final event.
 */
export class CallQueue {
  readonly #maxCallBytes: number;
  #calls: WebSocketCall[] = [];
  #held = 0;
  /** Bytes the call being answered holds. */
  #answering = 0;
  /** The call being answered has had its response.created. */
  #started = false;

  constructor(maxCallBytes: number) {
    this.#maxCallBytes = maxCallBytes;
  }

  get heldBytes(): number {
    return this.#held;
  }

  ask(ask: HttpWebSocketMessage, body: Record<string, unknown>): void {
    this.#calls.push({ ask, body, answer: [], complete: false, notKept: 0 });
    this.#held += ask.data.length;
  }

  /** A server event of the call being answered (`type`: its JSON type); returns the calls it finished. */
  answer(message: HttpWebSocketMessage, type: unknown, final: boolean): WebSocketCall[] {
    const finished: WebSocketCall[] = [];
    if (type === 'response.created' && this.#started) finished.push(this.#finish(false));
    const call = this.#calls[0];
    if (!call) return finished;
    const ends = final || (type === 'error' && !this.#started);
    if (ends || this.#answering + message.data.length <= this.#maxCallBytes) {
      call.answer.push(message);
      this.#answering += message.data.length;
      this.#held += message.data.length;
    } else call.notKept++;
    if (type === 'response.created') this.#started = true;
    if (ends) finished.push(this.#finish(true));
    return finished;
  }

  end(): WebSocketCall[] {
    const open = this.#calls;
    this.#calls = [];
    this.#held = 0;
    this.#answering = 0;
    this.#started = false;
    return open;
  }

  #finish(complete: boolean): WebSocketCall {
    const call = this.#calls.shift()!;
    call.complete = complete;
    this.#held -= call.ask.data.length + this.#answering;
    this.#answering = 0;
    this.#started = false;
    return call;
  }
}

/** A message's JSON object, when it is a text message holding one. */
export function messageJson(m: HttpWebSocketMessage): Record<string, unknown> | undefined {
  if (m.event !== 'text' || m.error !== undefined || !m.data.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(m.data) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
