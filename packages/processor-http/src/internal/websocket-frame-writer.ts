// Test support: WebSocket frames built by hand (RFC 6455 section 5.2), and permessage-deflate
// compression with or without context takeover (RFC 7692), to write cases real clients would not
// send on purpose: fragments split anywhere, control frames between fragments, bad headers.
import zlib from 'node:zlib';

export interface FrameOptions {
  fin?: boolean;
  rsv1?: boolean;
  /** Client frames are masked: give the 4-byte key. */
  mask?: number[];
}

export function wsFrame(opcode: number, payload: Uint8Array | string, opts: FrameOptions = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const fin = opts.fin ?? true;
  const len = body.length;
  const head: number[] = [(fin ? 0x80 : 0) | (opts.rsv1 ? 0x40 : 0) | opcode];
  const maskBit = opts.mask ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (opts.mask) {
    head.push(...opts.mask);
    for (let i = 0; i < len; i++) body[i] ^= opts.mask[i & 3];
  }
  return Buffer.concat([Buffer.from(head), body]);
}

/** A sender's permessage-deflate compressor: with context takeover each message may refer back into the ones before. */
export class MessageDeflater {
  readonly #takeover: boolean;
  #window = Buffer.alloc(0);

  constructor(contextTakeover: boolean) {
    this.#takeover = contextTakeover;
  }

  compress(text: string | Uint8Array): Buffer {
    const input = typeof text === 'string' ? Buffer.from(text) : Buffer.from(text);
    const options: zlib.ZlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
    if (this.#takeover && this.#window.length > 0) options.dictionary = this.#window;
    const out = zlib.deflateRawSync(input, options);
    if (this.#takeover) this.#window = Buffer.concat([this.#window, input]).subarray(-32 * 1024);
    // The sender drops the empty stored block's 00 00 ff ff tail (RFC 7692 section 7.2.1).
    return out.subarray(0, out.length - 4);
  }
}

export const UPGRADE_REQUEST = 'GET /v1/responses HTTP/1.1\r\nHost: api.openai.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n';

export function upgradeResponse(extensions?: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n${extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : ''}\r\n`;
}
