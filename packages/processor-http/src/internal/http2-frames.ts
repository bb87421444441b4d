// HTTP/2 framing (RFC 9113 section 4): 9-byte frame headers, payloads up to the negotiated size,
// read from one direction's reassembled bytes. After a gap, or when the capture joins a
// connection mid-way, the reader searches for the next frame boundary: a position where a
// plausible frame header is followed by another plausible one.

export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** The largest frame any peer may allow (2^24 - 1). */
export const MAX_FRAME_LIMIT = 0xffffff;
/** SETTINGS_MAX_FRAME_SIZE until the peer says otherwise (RFC 9113 6.5.2). */
export const DEFAULT_MAX_FRAME = 16_384;
/** Bytes searched for a boundary before they are dropped as unreadable. */
const MAX_SEARCH = 256 * 1024;

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Uint8Array;
}

export interface FrameSink<O> {
  frame(frame: Frame, origin: O): void;
  /** Bytes skipped while searching for a frame boundary. */
  skipped(bytes: number): void;
  /** The partial frame could not be held (memory limit): it is dropped like lost bytes. */
  overflow?(bytes: number): void;
}

/** Where held bytes are accounted (processor-http's MemoryAccount); absent: not accounted. */
export interface ByteAccount {
  reserve(n: number): boolean;
  release(n: number): void;
}

/** The frame's length when the 9 bytes at `at` can be a frame header, else -1. */
function plausible(b: Uint8Array, at: number, maxFrame: number): number {
  const length = (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
  const type = b[at + 3];
  const stream = ((b[at + 5] & 0x7f) << 24) | (b[at + 6] << 16) | (b[at + 7] << 8) | b[at + 8];
  if (b[at + 5] & 0x80 || type > FRAME.CONTINUATION || length > maxFrame) return -1;
  const connectionLevel = type === FRAME.SETTINGS || type === FRAME.PING || type === FRAME.GOAWAY;
  if (connectionLevel !== (stream === 0) && type !== FRAME.WINDOW_UPDATE) return -1;
  if (type === FRAME.SETTINGS && length % 6 !== 0) return -1;
  if (type === FRAME.PING && length !== 8) return -1;
  if ((type === FRAME.RST_STREAM || type === FRAME.WINDOW_UPDATE) && length !== 4) return -1;
  if (type === FRAME.PRIORITY && length !== 5) return -1;
  return length;
}

export class FrameReader<O> {
  #buf: Buffer = Buffer.alloc(0);
  /** Expect the client preface first (a client's side seen from its start). */
  #preface: boolean;
  #synced: boolean;
  readonly #sink: FrameSink<O>;
  readonly #account?: ByteAccount;
  /** Bytes of #buf reserved in the account. */
  #held = 0;
  /** The largest frame this direction may send: the other side's SETTINGS_MAX_FRAME_SIZE. */
  #maxFrame = DEFAULT_MAX_FRAME;

  constructor(sink: FrameSink<O>, opts: { preface: boolean; synced: boolean; account?: ByteAccount }) {
    this.#sink = sink;
    this.#preface = opts.preface;
    this.#synced = opts.synced;
    this.#account = opts.account;
  }

  /** Holds what is left of the buffer between chunks, in the account; drops it when the account is full. */
  #keep(): void {
    if (!this.#account) return;
    const want = this.#buf.length;
    if (want === this.#held) return;
    this.#account.release(this.#held);
    this.#held = 0;
    if (this.#account.reserve(want)) {
      this.#held = want;
      // A copy, so the chunk the rest came in is not pinned by a small tail.
      this.#buf = Buffer.from(this.#buf);
    } else {
      this.#sink.overflow?.(want);
      this.#buf = Buffer.alloc(0);
      this.#synced = false;
    }
  }

  /** Lets go of everything held (the connection is gone). */
  release(): void {
    this.#account?.release(this.#held);
    this.#held = 0;
    this.#buf = Buffer.alloc(0);
  }

  get heldBytes(): number {
    return this.#buf.length;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** The peer allowed bigger frames (SETTINGS_MAX_FRAME_SIZE); a capture that joined late may learn it only here. */
  set maxFrameSize(n: number) {
    this.#maxFrame = Math.min(MAX_FRAME_LIMIT, Math.max(DEFAULT_MAX_FRAME, n));
  }

  feed(bytes: Uint8Array, origin: O): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, bytes]) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#read(origin);
    this.#keep();
  }

  #read(origin: O): void {
    if (this.#preface) {
      if (this.#buf.length < CLIENT_PREFACE.length) return;
      if (this.#buf.subarray(0, CLIENT_PREFACE.length).equals(CLIENT_PREFACE)) this.#buf = this.#buf.subarray(CLIENT_PREFACE.length);
      else this.#synced = false;
      this.#preface = false;
    }
    for (;;) {
      if (!this.#synced && !this.#resync()) return;
      if (this.#buf.length < 9) return;
      // In step, a frame may be as large as the protocol allows (we may have missed a SETTINGS).
      const length = plausible(this.#buf, 0, MAX_FRAME_LIMIT);
      if (length < 0) {
        this.#synced = false;
        continue;
      }
      if (this.#buf.length < 9 + length) return;
      const b = this.#buf;
      const frame: Frame = {
        type: b[3],
        flags: b[4],
        stream: ((b[5] & 0x7f) << 24) | (b[6] << 16) | (b[7] << 8) | b[8],
        payload: b.subarray(9, 9 + length),
      };
      this.#buf = b.subarray(9 + length);
      this.#sink.frame(frame, origin);
    }
  }

  /** Bytes were lost: the next frame boundary is unknown until found again. */
  gap(): void {
    this.#buf = Buffer.alloc(0);
    this.#keep();
    this.#preface = false;
    this.#synced = false;
  }

  /**
   * Finds the next frame boundary: the first position where a frame header (no larger than this
   * direction may send) is confirmed by the next one, or ends exactly where the bytes end. False
   * while there are not yet enough bytes to tell.
   */
  #resync(): boolean {
    const b = this.#buf;
    let waitFrom = -1;
    for (let at = 0; at + 9 <= b.length; at++) {
      const length = plausible(b, at, this.#maxFrame);
      if (length < 0) continue;
      const next = at + 9 + length;
      if (next === b.length || (next + 9 <= b.length && plausible(b, next, this.#maxFrame) >= 0)) {
        if (at > 0) this.#sink.skipped(at);
        this.#buf = b.subarray(at);
        this.#synced = true;
        return true;
      }
      if (next + 9 > b.length && waitFrom < 0) waitFrom = at;
    }
    // Nothing confirmed yet: keep from the first candidate that more bytes could confirm.
    const keepFrom = waitFrom >= 0 ? waitFrom : Math.max(0, b.length - 8);
    if (b.length - keepFrom > MAX_SEARCH) {
      this.#sink.skipped(b.length - 8);
      this.#buf = b.subarray(b.length - 8);
    } else if (keepFrom > 0) {
      this.#sink.skipped(keepFrom);
      this.#buf = b.subarray(keepFrom);
    }
    return false;
  }
}

/** Strips padding (and the priority fields of HEADERS) from a frame's payload. */
export function framePayload(f: Frame): Uint8Array | undefined {
  let p = f.payload;
  let pad = 0;
  if ((f.type === FRAME.DATA || f.type === FRAME.HEADERS || f.type === FRAME.PUSH_PROMISE) && f.flags & FLAG.PADDED) {
    if (p.length < 1) return undefined;
    pad = p[0];
    p = p.subarray(1);
  }
  if (f.type === FRAME.HEADERS && f.flags & FLAG.PRIORITY) p = p.subarray(5);
  if (f.type === FRAME.PUSH_PROMISE) p = p.subarray(4); // the promised stream id
  if (pad > p.length) return undefined;
  return p.subarray(0, p.length - pad);
}
