// permessage-deflate (RFC 7692): what the handshake agreed, and one inflater per direction.
//
// With context takeover a message's deflate data may refer back up to 32 KiB into the messages
// before it. Node's public streaming inflater is asynchronous and this processor is synchronous, so
// the sliding window is kept here instead: the last 32 KiB a direction decompressed, given to
// inflateRawSync as the preset dictionary — for raw deflate exactly the window a long-lived
// inflater would hold (zlib's inflateSetDictionary). The window is in the memory account.
import zlib from 'node:zlib';
import type { HttpHeaders } from '@oisp/core';
import type { MemoryAccount } from './memory-account.ts';

/** The deflate window: back-references reach at most 2^15 bytes. */
const WINDOW_BYTES = 32 * 1024;
/**
 * The window lives at the end of a buffer this big: new output is appended behind it, and only
 * when there is no room left are the last 32 KiB moved to the front (so about two bytes are
 * copied per byte inflated, and no buffer is made per message).
 */
const WINDOW_BUFFER_BYTES = 48 * 1024;
/** RFC 7692 section 7.2.1: the sender removed this empty stored block from each message's end. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export interface DeflateAgreement {
  /** The client resets its compressor after each message: no window carries over. */
  clientNoContextTakeover: boolean;
  serverNoContextTakeover: boolean;
}

/**
 * The permessage-deflate parameters the server accepted (its 101's Sec-WebSocket-Extensions; a
 * server names at most one permessage-deflate offer), or undefined when it accepted none.
 */
export function acceptedDeflate(headers: HttpHeaders): DeflateAgreement | undefined {
  for (const value of headers['sec-websocket-extensions'] ?? []) {
    for (const extension of value.split(',')) {
      const [name, ...params] = extension.split(';').map((p) => p.trim().toLowerCase());
      if (name !== 'permessage-deflate') continue;
      const names = params.map((p) => p.split('=')[0].trim());
      return { clientNoContextTakeover: names.includes('client_no_context_takeover'), serverNoContextTakeover: names.includes('server_no_context_takeover') };
    }
  }
  return undefined;
}

export type InflateResult = { bytes: Uint8Array } | { error: string };

export class MessageInflater {
  readonly #contextTakeover: boolean;
  readonly #maxOutput: number;
  readonly #memory: MemoryAccount;
  #buffer: Buffer | null = null;
  /** The window is #buffer[#end - min(#end, 32 KiB), #end). */
  #end = 0;
  /** A message could not be inflated: with context takeover the later ones cannot be either. */
  #lost: string | undefined;

  constructor(contextTakeover: boolean, maxOutput: number, memory: MemoryAccount) {
    this.#contextTakeover = contextTakeover;
    this.#maxOutput = maxOutput;
    this.#memory = memory;
  }

  get heldBytes(): number {
    return this.#buffer?.length ?? 0;
  }

  /** One compressed message's payload (all its frames joined). */
  inflate(payload: Uint8Array): InflateResult {
    if (this.#lost !== undefined) return { error: `permessage-deflate: ${this.#lost}; later messages refer back to it` };
    let out: Buffer;
    try {
      // The output buffer is allocated chunkSize at a time: sized to the message (a 16 KiB default
      // per message cost more than the inflating itself, measured in bench/http.ts).
      const chunkSize = Math.min(64 * 1024, Math.max(1024, 2 ** Math.ceil(Math.log2(payload.length * 4 + 1))));
      const options: zlib.ZlibOptions = { maxOutputLength: this.#maxOutput, finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize };
      if (this.#buffer && this.#end > 0) options.dictionary = this.#buffer.subarray(Math.max(0, this.#end - WINDOW_BYTES), this.#end);
      out = zlib.inflateRawSync(Buffer.concat([payload, TAIL]), options);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError ? `a message inflated past max_body_bytes (${this.#maxOutput})` : `a message did not inflate (${e.message})`;
      if (this.#contextTakeover) {
        this.#lost = why;
        this.release();
      }
      return { error: `permessage-deflate: ${why}` };
    }
    if (this.#contextTakeover) this.#slide(out);
    return { bytes: out };
  }

  /** A compressed message was not kept: with context takeover, the window is lost with it. */
  skip(why: string): void {
    if (!this.#contextTakeover || this.#lost !== undefined) return;
    this.#lost = `a message was not kept (${why})`;
    this.release();
  }

  /** Keep the last 32 KiB decompressed (the window the next message may refer to). */
  #slide(out: Buffer): void {
    if (!this.#buffer) {
      if (!this.#memory.reserve(WINDOW_BUFFER_BYTES)) {
        this.#lost = 'max_buffered_bytes reached holding the deflate window';
        return;
      }
      this.#buffer = Buffer.allocUnsafe(WINDOW_BUFFER_BYTES);
      this.#end = 0;
    }
    const buf = this.#buffer;
    if (out.length >= WINDOW_BYTES) {
      out.copy(buf, 0, out.length - WINDOW_BYTES);
      this.#end = WINDOW_BYTES;
      return;
    }
    if (this.#end + out.length > buf.length) {
      // Keep what the window still needs at the front, then append.
      const keep = Math.min(this.#end, WINDOW_BYTES - out.length);
      buf.copyWithin(0, this.#end - keep, this.#end);
      this.#end = keep;
    }
    out.copy(buf, this.#end);
    this.#end += out.length;
  }

  release(): void {
    if (this.#buffer) this.#memory.release(this.#buffer.length);
    this.#buffer = null;
    this.#end = 0;
  }
}
