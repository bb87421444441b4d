// The WebSocket messages of one exchange on their way out. Those completed while a capture batch is
// read wait here (in the memory account) and leave together as one http.websocket event at the
// batch's end, so a WebSocket open for hours holds no more than one batch's messages. When memory
// cannot hold a message it is not kept, and the next event says how many were not, per direction.
import { deriveEvent } from '@oisp/core';
import type { ConnInfo, HttpWebSocket, HttpWebSocketMessage, OispEvent } from '@oisp/core';
import type { MemoryAccount } from './memory-account.ts';
import type { ChunkOrigin } from './reassembler.ts';
import type { WebSocketMessage } from './websocket-messages.ts';

type Direction = 'egress' | 'ingress';

/** What a message object and its timestamp cost besides its text. */
const MESSAGE_OVERHEAD = 96;

export class WebSocketOutbox {
  readonly exchangeId: string;
  readonly #memory: MemoryAccount;
  readonly #onMemoryLimit: () => void;
  #messages: HttpWebSocketMessage[] = [];
  /** The chunk that completed the first message waiting: the event's envelope comes from it. */
  #first: ChunkOrigin<OispEvent> | undefined;
  /** The latest chunk of the WebSocket seen: the last event's envelope when nothing is waiting. */
  #latest: ChunkOrigin<OispEvent>;
  #held = 0;
  readonly #notKept: Record<Direction, number> = { egress: 0, ingress: 0 };

  constructor(exchangeId: string, opened: ChunkOrigin<OispEvent>, memory: MemoryAccount, onMemoryLimit: () => void) {
    this.exchangeId = exchangeId;
    this.#latest = opened;
    this.#memory = memory;
    this.#onMemoryLimit = onMemoryLimit;
  }

  get heldBytes(): number {
    return this.#held;
  }

  /** A chunk of the WebSocket was read (the last event's envelope and time come from the latest). */
  saw(origin: ChunkOrigin<OispEvent>): void {
    this.#latest = origin;
  }

  add(direction: Direction, message: WebSocketMessage, origin: ChunkOrigin<OispEvent>): void {
    this.#latest = origin;
    const size = MESSAGE_OVERHEAD + message.kind.length + message.data.length + (message.error?.length ?? 0);
    if (!this.#memory.reserve(size)) {
      this.#notKept[direction]++;
      this.#onMemoryLimit();
      return;
    }
    this.#held += size;
    const out: HttpWebSocketMessage = { ts: origin.ts, event: message.kind, data: message.data, direction };
    if (message.error !== undefined) out.error = message.error;
    this.#first ??= origin;
    this.#messages.push(out);
  }

  /**
   * The http.websocket of what waits, and the memory it held let go; null when nothing waits and
   * the WebSocket goes on. `end`: the WebSocket is over (this is its last event, even if empty).
   */
  take(conn: ConnInfo, end?: { aborted: boolean }): OispEvent<'http.websocket', HttpWebSocket> | null {
    const lost = this.#notKept.egress + this.#notKept.ingress;
    if (this.#messages.length === 0 && lost === 0 && !end) return null;
    for (const direction of ['egress', 'ingress'] as const) {
      const n = this.#notKept[direction];
      if (n === 0) continue;
      this.#messages.push({ ts: this.#latest.ts, event: 'error', data: '', error: `${n} WebSocket messages not kept: max_buffered_bytes reached`, direction });
      this.#notKept[direction] = 0;
    }
    const data: HttpWebSocket = { exchange_id: this.exchangeId, conn, messages: this.#messages };
    if (end) data.end = true;
    if (end?.aborted) data.aborted = true;
    const event = deriveEvent((this.#first ?? this.#latest).event, 'http.websocket', data);
    this.release();
    return event;
  }

  release(): void {
    this.#memory.release(this.#held);
    this.#held = 0;
    this.#messages = [];
    this.#first = undefined;
  }
}
