// A WebSocket on a captured connection, from the end of its opening handshake (a 101 with
// `Upgrade: websocket`): both directions read as frames, then messages, each handed on with the
// direction that sent it and the capture chunk that completed it. The handshake's
// permessage-deflate agreement decides each direction's inflater. Bad frames, or a capture gap
// that loses the framing, stop that direction only; the other goes on.
import type { HttpHeaders } from '@oisp/core';
import type { MemoryAccount } from './memory-account.ts';
import type { ChunkOrigin } from './reassembler.ts';
import { acceptedDeflate, MessageInflater } from './websocket-deflate.ts';
import { FrameReader } from './websocket-frames.ts';
import { MessageAssembler, type WebSocketMessage } from './websocket-messages.ts';

export type Direction = 'egress' | 'ingress';

export interface WebSocketHandler<E> {
  /** `origin`: the capture chunk that completed the message (its time is the message's). */
  message(direction: Direction, message: WebSocketMessage, origin: ChunkOrigin<E>): void;
  count(name: string, n?: number): void;
  /** Bad input in one direction (reported once per direction). */
  error(kind: string, detail: string): void;
}

export interface WebSocketLimits {
  maxMessageBytes: number;
  memory: MemoryAccount;
}

interface Side<E> {
  reader: FrameReader;
  assembler: MessageAssembler;
  inflater?: MessageInflater;
  /** The chunk being read: a message completed in it carries it. */
  origin: ChunkOrigin<E>;
  /** This side sent its close frame. */
  closed: boolean;
  stopped: boolean;
}

export function isWebSocketUpgrade(status: number | undefined, headers: HttpHeaders): boolean {
  return status === 101 && (headers.upgrade ?? []).some((v) => v.toLowerCase().split(',').some((p) => p.trim() === 'websocket'));
}

export class WebSocketSession<E> {
  readonly #sides: Record<Direction, Side<E>>;
  readonly #handler: WebSocketHandler<E>;

  /** `clientDirection`: the direction the client's frames travel (masked, compressed with client_* parameters). */
  constructor(clientDirection: Direction, handshakeHeaders: HttpHeaders, limits: WebSocketLimits, handler: WebSocketHandler<E>) {
    this.#handler = handler;
    const deflate = acceptedDeflate(handshakeHeaders);
    if (deflate) handler.count('websocket_deflate_sessions');
    const make = (direction: Direction): Side<E> => {
      const fromClient = direction === clientDirection;
      const side = { closed: false, stopped: false } as Side<E>;
      if (deflate) {
        const noTakeover = fromClient ? deflate.clientNoContextTakeover : deflate.serverNoContextTakeover;
        side.inflater = new MessageInflater(!noTakeover, limits.maxMessageBytes, limits.memory);
      }
      side.assembler = new MessageAssembler(limits, {
        message: (m) => {
          if (m.kind === 'close') side.closed = true;
          handler.message(direction, m, side.origin);
        },
        count: (name) => handler.count(name),
      }, side.inflater);
      side.reader = new FrameReader(side.assembler);
      return side;
    };
    this.#sides = { egress: make('egress'), ingress: make('ingress') };
  }

  /** Bytes held: messages in flight and deflate windows. */
  get heldBytes(): number {
    let n = 0;
    for (const s of Object.values(this.#sides)) n += s.assembler.heldBytes + (s.inflater?.heldBytes ?? 0);
    return n;
  }

  /** Both sides sent their close frame: the WebSocket is over (RFC 6455 section 7.1.1). */
  get closedBothWays(): boolean {
    return this.#sides.egress.closed && this.#sides.ingress.closed;
  }

  feed(direction: Direction, bytes: Uint8Array, origin: ChunkOrigin<E>): void {
    const side = this.#sides[direction];
    if (side.stopped) return;
    side.origin = origin;
    side.reader.feed(bytes);
    if (side.reader.broken !== undefined) this.#stop(direction, side, 'bad_websocket_frame');
  }

  gap(direction: Direction, lost: number, origin: ChunkOrigin<E>): void {
    const side = this.#sides[direction];
    if (side.stopped) return;
    side.origin = origin;
    this.#handler.count('websocket_bytes_lost', lost);
    if (!side.reader.skip(lost)) this.#stop(direction, side, 'websocket_framing_lost');
  }

  #stop(direction: Direction, side: Side<E>, kind: string): void {
    side.stopped = true;
    const detail = `${direction}: ${side.reader.broken}`;
    this.#handler.error(kind, detail);
    this.#handler.message(direction, { kind: 'error', data: '', error: `${side.reader.broken}; the rest of this direction is not read` }, side.origin);
    side.assembler.release();
    side.inflater?.release();
  }

  /** The WebSocket ended (closed, or the connection went): messages still in flight come out, flagged. */
  finish(): void {
    for (const direction of ['egress', 'ingress'] as const) {
      const side = this.#sides[direction];
      if (side.stopped) continue;
      const message = side.assembler.unfinished();
      if (!message) continue;
      this.#handler.count('websocket_messages_unfinished');
      this.#handler.message(direction, message, side.origin);
    }
  }

  release(): void {
    for (const side of Object.values(this.#sides)) {
      side.assembler.release();
      side.inflater?.release();
    }
  }
}
