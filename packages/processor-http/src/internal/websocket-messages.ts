// WebSocket messages of one direction, from its frames (RFC 6455 section 5.4-5.5): a message is a
// text or binary frame and the continuation frames up to one with FIN; control frames may come in
// between. A message compressed by permessage-deflate (RSV1 on its first frame) is inflated whole.
// Each message is handed on once complete: text as text, binary as base64, a close frame as its
// code and reason. Ping and pong are counted, not kept. Nothing is dropped silently: a message over
// max_body_bytes, or one memory could not hold, still comes out, empty, with the reason.
import type { MemoryAccount } from './memory-account.ts';
import { isControl, OPCODE, type FrameHeader, type FrameSink } from './websocket-frames.ts';
import type { MessageInflater } from './websocket-deflate.ts';

export interface WebSocketMessage {
  /** text | binary | close; error: this direction's frames could no longer be read (why in `error`). */
  kind: 'text' | 'binary' | 'close' | 'error';
  /** Text; base64 for binary messages; `code reason` for close; empty for error. */
  data: string;
  /** Why the message is not all there or not decoded (data then holds what could be kept). */
  error?: string;
}

export interface MessageLimits {
  maxMessageBytes: number;
  memory: MemoryAccount;
}

export interface MessageHandler {
  message(message: WebSocketMessage): void;
  count(name: string): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class MessageAssembler implements FrameSink {
  readonly #limits: MessageLimits;
  readonly #handler: MessageHandler;
  readonly #inflater: MessageInflater | undefined;
  /** Opcode of the data message in flight (text or binary), -1 when none. */
  #messageOpcode = -1;
  #compressed = false;
  /** The data frame being read ends its message. */
  #fin = false;
  /** The frame being read is a control frame (its payload goes to #control). */
  #inControl = false;
  #controlOpcode = 0;
  #control: Uint8Array[] = [];
  #parts: Uint8Array[] = [];
  #kept = 0;
  #wire = 0;
  /** Why the message in flight is not being kept (too big, no memory). */
  #dropped: string | undefined;

  constructor(limits: MessageLimits, handler: MessageHandler, inflater: MessageInflater | undefined) {
    this.#limits = limits;
    this.#handler = handler;
    this.#inflater = inflater;
  }

  /** Payload bytes of the message in flight held now (control payloads are at most 125 bytes, uncounted). */
  get heldBytes(): number {
    return this.#kept;
  }

  header(h: FrameHeader): string | undefined {
    if (h.rsv2 || h.rsv3) return `RSV2/RSV3 set (no extension defines them) in the frame header at byte ${h.offset}`;
    if (isControl(h.opcode)) {
      if (h.rsv1) return `RSV1 set on a control frame at byte ${h.offset}`;
      this.#inControl = true;
      this.#controlOpcode = h.opcode;
      this.#control = [];
      return undefined;
    }
    this.#inControl = false;
    if (h.opcode === OPCODE.continuation) {
      if (this.#messageOpcode < 0) return `continuation frame with no message in flight at byte ${h.offset}`;
      if (h.rsv1) return `RSV1 set on a continuation frame at byte ${h.offset}`;
    } else {
      if (this.#messageOpcode >= 0) return `new data frame (opcode 0x${h.opcode.toString(16)}) inside an unfinished message at byte ${h.offset}`;
      if (h.rsv1 && !this.#inflater) return `RSV1 set without permessage-deflate agreed, at byte ${h.offset}`;
      this.#messageOpcode = h.opcode;
      this.#compressed = h.rsv1;
    }
    this.#fin = h.fin;
    return undefined;
  }

  payload(bytes: Uint8Array): void {
    if (this.#inControl) {
      this.#control.push(bytes.slice());
      return;
    }
    this.#wire += bytes.length;
    if (this.#dropped !== undefined) return;
    if (this.#kept + bytes.length > this.#limits.maxMessageBytes) return this.#drop(`message over max_body_bytes (${this.#limits.maxMessageBytes})`, 'websocket_messages_over_max_body_bytes');
    if (!this.#limits.memory.reserve(bytes.length)) return this.#drop('max_buffered_bytes reached', 'websocket_messages_cut_at_memory_limit');
    this.#parts.push(bytes.slice());
    this.#kept += bytes.length;
  }

  end(): void {
    if (this.#inControl) return this.#endControl();
    if (!this.#fin) return;
    const opcode = this.#messageOpcode;
    const compressed = this.#compressed;
    const wire = this.#wire;
    const dropped = this.#dropped;
    const payload = this.#parts.length === 1 ? this.#parts[0] : Buffer.concat(this.#parts);
    this.release();
    this.#messageOpcode = -1;
    this.#compressed = false;
    this.#wire = 0;
    this.#dropped = undefined;
    const kind = opcode === OPCODE.text ? 'text' : 'binary';
    this.#handler.count(`websocket_${kind}_messages`);
    if (dropped !== undefined) {
      // A compressed message skipped breaks the window the next ones inflate against.
      if (compressed) this.#inflater?.skip(dropped);
      this.#handler.message({ kind, data: '', error: `${dropped}: ${wire} bytes on the wire not kept` });
      return;
    }
    let bytes: Uint8Array = payload;
    if (compressed) {
      const inflated = this.#inflater!.inflate(payload);
      if ('error' in inflated) {
        this.#handler.message({ kind, data: base64(payload), error: inflated.error });
        return;
      }
      bytes = inflated.bytes;
    }
    if (kind === 'binary') return this.#handler.message({ kind, data: base64(bytes) });
    try {
      this.#handler.message({ kind, data: utf8.decode(bytes) });
    } catch {
      this.#handler.message({ kind, data: base64(bytes), error: 'text message is not valid UTF-8 (data in base64)' });
    }
  }

  #endControl(): void {
    this.#inControl = false;
    const payload = Buffer.concat(this.#control);
    this.#control = [];
    if (this.#controlOpcode === OPCODE.ping) return this.#handler.count('websocket_pings');
    if (this.#controlOpcode === OPCODE.pong) return this.#handler.count('websocket_pongs');
    // Close: an optional 2-byte status code, then a UTF-8 reason.
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
    this.#handler.message({ kind: 'close', data: code === undefined ? '' : `${code} ${payload.toString('utf8', 2)}`.trimEnd() });
  }

  lost(n: number): void {
    if (this.#inControl) return; // a control payload is at most 125 bytes: it comes out as what was seen
    this.#wire += n;
    if (this.#dropped === undefined) this.#drop(`${n} bytes lost in the capture`, 'websocket_messages_cut_by_gap');
  }

  #drop(why: string, counter: string): void {
    this.#dropped = why;
    this.#handler.count(counter);
    this.release();
  }

  /** The message in flight when the WebSocket ended, if any: it comes out empty, with why. */
  unfinished(): WebSocketMessage | undefined {
    if (this.#messageOpcode < 0) return undefined;
    const kind = this.#messageOpcode === OPCODE.text ? 'text' : 'binary';
    const wire = this.#wire;
    this.release();
    this.#messageOpcode = -1;
    this.#wire = 0;
    this.#dropped = undefined;
    return { kind, data: '', error: `message unfinished when the WebSocket ended (${wire} payload bytes seen)` };
  }

  /** Let go of the message in flight's bytes. */
  release(): void {
    this.#limits.memory.release(this.#kept);
    this.#parts = [];
    this.#kept = 0;
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
