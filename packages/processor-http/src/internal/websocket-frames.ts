// RFC 6455 section 5.2 framing for one direction of a WebSocket: bytes come in pieces split
// anywhere; each frame's header is read (at most 14 bytes held), its payload handed on unmasked as
// it arrives, never gathered here. What frames mean (messages, control frames, compression) is the
// reader's sink's business. A header that breaks the framing rules stops this direction for good:
// after it there is no way to tell where the next frame starts.

export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

export interface FrameHeader {
  fin: boolean;
  /** RSV1: set on a message's first frame when permessage-deflate compressed it (RFC 7692). */
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** Payload length in bytes. */
  length: number;
  /** Byte offset of the frame's first header byte in this direction's WebSocket stream. */
  offset: number;
}

export interface FrameSink {
  /** A header is read; its payload follows. Returns an error detail to stop reading, or undefined. */
  header(header: FrameHeader): string | undefined;
  /** Payload bytes, unmasked. A view the sink must copy if it keeps them. */
  payload(bytes: Uint8Array): void;
  /** The frame's payload is complete. */
  end(): void;
  /** `n` payload bytes of the current frame were lost in the capture (the framing is still in step). */
  lost(n: number): void;
}

const MAX_HEADER = 14;

export function isControl(opcode: number): boolean {
  return opcode >= 0x8;
}

export class FrameReader {
  readonly #sink: FrameSink;
  readonly #head = new Uint8Array(MAX_HEADER);
  #headLen = 0;
  /** Payload bytes of the current frame still to come; -1 while a header is being read. */
  #remaining = -1;
  #mask: Uint8Array | null = null;
  #maskPos = 0;
  /** Bytes of this direction read so far (for offsets in errors). */
  #offset = 0;
  #frameOffset = 0;
  /** Set when the framing broke: why. Nothing more is read. */
  broken: string | undefined;

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  /** Bytes of this direction consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** True between frames: a gap here loses whole frames only, not the position of the next. */
  get atFrameBoundary(): boolean {
    return this.#remaining < 0 && this.#headLen === 0;
  }

  feed(bytes: Uint8Array): void {
    let pos = 0;
    const n = bytes.length;
    while (pos < n && this.broken === undefined) {
      if (this.#remaining < 0) {
        if (this.#headLen === 0) this.#frameOffset = this.#offset + pos;
        const need = this.#headerLength();
        const take = Math.min(need - this.#headLen, n - pos);
        this.#head.set(bytes.subarray(pos, pos + take), this.#headLen);
        this.#headLen += take;
        pos += take;
        // The first two bytes say how long the header is: read again once they are in.
        if (this.#headLen < this.#headerLength()) continue;
        this.#startFrame();
        continue;
      }
      const take = Math.min(this.#remaining, n - pos);
      if (take > 0) {
        this.#sink.payload(this.#unmask(bytes.subarray(pos, pos + take)));
        this.#remaining -= take;
        pos += take;
      }
      if (this.#remaining === 0) this.#endFrame();
    }
    this.#offset += pos;
  }

  /** Header length from what is read so far (2 until the length byte is known). */
  #headerLength(): number {
    if (this.#headLen < 2) return 2;
    const len7 = this.#head[1] & 0x7f;
    const masked = (this.#head[1] & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  #startFrame(): void {
    const h = this.#head;
    const len7 = h[1] & 0x7f;
    let at = 2;
    let length = len7;
    if (len7 === 126) {
      length = (h[2] << 8) | h[3];
      at = 4;
    } else if (len7 === 127) {
      const high = ((h[2] << 24) >>> 0) + (h[3] << 16) + (h[4] << 8) + h[5];
      const low = ((h[6] << 24) >>> 0) + (h[7] << 16) + (h[8] << 8) + h[9];
      // RFC 6455: the most significant bit must be 0; and a length past 2^53 is no real frame.
      if (high >= 0x200000) return this.#break(`64-bit payload length over 2^53 in the frame header at byte ${this.#frameOffset}`);
      length = high * 2 ** 32 + low;
      at = 10;
    }
    const masked = (h[1] & 0x80) !== 0;
    const header: FrameHeader = {
      fin: (h[0] & 0x80) !== 0,
      rsv1: (h[0] & 0x40) !== 0,
      rsv2: (h[0] & 0x20) !== 0,
      rsv3: (h[0] & 0x10) !== 0,
      opcode: h[0] & 0x0f,
      masked,
      length,
      offset: this.#frameOffset,
    };
    const op = header.opcode;
    if ((op > 0x2 && op < 0x8) || op > 0xa) return this.#break(`reserved opcode 0x${op.toString(16)} in the frame header at byte ${header.offset}`);
    if (isControl(op) && (!header.fin || length > 125)) {
      return this.#break(`control frame (opcode 0x${op.toString(16)}) ${header.fin ? `with a ${length}-byte payload (max 125)` : 'fragmented'} at byte ${header.offset}`);
    }
    this.#mask = masked ? h.slice(at, at + 4) : null;
    this.#maskPos = 0;
    this.#headLen = 0;
    this.#remaining = length;
    const refused = this.#sink.header(header);
    if (refused !== undefined) return this.#break(refused);
    if (length === 0) this.#endFrame();
  }

  #endFrame(): void {
    this.#remaining = -1;
    this.#mask = null;
    this.#sink.end();
  }

  /**
   * `n` bytes of this direction were lost. Inside a payload with at least that many bytes to go,
   * the next frame's start is still known: the frame loses bytes, reading goes on. Anywhere else
   * the frames after the hole cannot be found. Returns false then.
   */
  skip(n: number): boolean {
    if (this.broken !== undefined) return false;
    if (this.#remaining >= n && n > 0) {
      this.#remaining -= n;
      this.#maskPos = (this.#maskPos + n) & 3;
      this.#offset += n;
      this.#sink.lost(n);
      if (this.#remaining === 0) this.#endFrame();
      return true;
    }
    this.#break(`capture gap of ${n} bytes at byte ${this.#offset}: the frames after it cannot be found`);
    return false;
  }

  #unmask(bytes: Uint8Array): Uint8Array {
    const mask = this.#mask;
    if (!mask) return bytes;
    const out = new Uint8Array(bytes.length);
    let m = this.#maskPos;
    for (let i = 0; i < bytes.length; i++) {
      out[i] = bytes[i] ^ mask[m];
      m = (m + 1) & 3;
    }
    this.#maskPos = m;
    return out;
  }

  #break(detail: string): void {
    this.broken = detail;
    this.#remaining = -1;
    this.#headLen = 0;
  }
}
