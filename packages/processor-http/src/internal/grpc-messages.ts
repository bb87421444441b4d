// gRPC's length-prefixed messages on an HTTP/2 stream body (application/grpc*): a compressed-flag
// byte, a 4-byte big-endian length, the message. Each message is a stream event with its bytes in
// base64, decompressed by the stream's grpc-encoding; what cannot be decompressed is kept as sent,
// with the reason. The call's service, method and status come from its path, headers and trailers.
import type { GrpcCall, HttpHeaders } from '@oisp/core';
import { decodeContent } from './content-decoding.ts';
import type { StreamEventOut, StreamParser } from './stream-parsers.ts';

const PREFIX = 5;

export function isGrpc(media: string): boolean {
  return media === 'application/grpc' || media.startsWith('application/grpc+');
}

export class GrpcMessageParser implements StreamParser {
  readonly format = 'grpc' as const;
  readonly #encoding: string | undefined;
  readonly #maxMessageBytes: number;
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  /** Byte offset of the next message in the body, for errors that say where. */
  #offset = 0;
  #broken = false;

  /** `encoding`: the stream's grpc-encoding (absent or identity: none). */
  constructor(encoding: string | undefined, maxMessageBytes: number) {
    this.#encoding = encoding === undefined || encoding === 'identity' ? undefined : encoding;
    this.#maxMessageBytes = maxMessageBytes;
  }

  get heldBytes(): number {
    return this.#heldBytes;
  }

  push(bytes: Uint8Array): StreamEventOut[] {
    if (this.#broken || bytes.length === 0) return [];
    this.#held.push(bytes.slice());
    this.#heldBytes += bytes.length;
    const out: StreamEventOut[] = [];
    while (this.#heldBytes >= PREFIX) {
      const head = this.#peek(PREFIX);
      const flag = head[0];
      const length = ((head[1] << 24) >>> 0) + (head[2] << 16) + (head[3] << 8) + head[4];
      if (flag > 1 || length > this.#maxMessageBytes) {
        // Not a message boundary, or more than may be held: the rest of this stream is not read.
        const why = flag > 1 ? `compressed flag ${flag}` : `a ${length}-byte message (max_body_bytes ${this.#maxMessageBytes})`;
        out.push({ data: '', error: `gRPC framing: ${why} at body byte ${this.#offset}; the rest of the stream is not parsed` });
        this.#broken = true;
        this.#held = [];
        this.#heldBytes = 0;
        break;
      }
      if (this.#heldBytes < PREFIX + length) break;
      const message = this.#take(PREFIX + length).subarray(PREFIX);
      out.push(this.#event(message, flag === 1));
      this.#offset += PREFIX + length;
    }
    return out;
  }

  end(): StreamEventOut[] {
    if (this.#broken || this.#heldBytes === 0) return [];
    const left = this.#heldBytes;
    this.#held = [];
    this.#heldBytes = 0;
    return [{ data: '', error: `gRPC framing: the body ended inside a message (${left} bytes after body byte ${this.#offset})` }];
  }

  #event(message: Uint8Array, compressed: boolean): StreamEventOut {
    if (!compressed) return { data: base64(message) };
    if (!this.#encoding) return { data: base64(message), error: 'compressed flag set without a grpc-encoding' };
    const decoded = decodeContent(message, [this.#encoding], this.#maxMessageBytes, false);
    if (decoded.error !== undefined) return { data: base64(message), error: `grpc-encoding ${decoded.error}` };
    return { data: base64(decoded.bytes) };
  }

  /** The first `n` held bytes, without taking them. */
  #peek(n: number): Uint8Array {
    if (this.#held[0].length >= n) return this.#held[0];
    const all = Buffer.concat(this.#held);
    this.#held = [all];
    return all;
  }

  #take(n: number): Uint8Array {
    const first = this.#peek(n);
    const taken = first.subarray(0, n);
    this.#held[0] = first.subarray(n);
    if (this.#held[0].length === 0) this.#held.shift();
    this.#heldBytes -= n;
    return taken;
  }
}

/** What a gRPC message's path, headers and (for a response) trailers say of the call. */
export function grpcCall(path: string | undefined, headers: HttpHeaders, trailers?: HttpHeaders): GrpcCall | undefined {
  const m = /^\/([^/]+)\/([^/?]+)/.exec(path ?? '');
  if (!m) return undefined;
  const call: GrpcCall = { service: m[1], method: m[2] };
  const encoding = headers['grpc-encoding']?.[0];
  if (encoding && encoding !== 'identity') call.encoding = encoding;
  // A trailers-only response (an error before any message) carries the status in its headers.
  const status = trailers?.['grpc-status']?.[0] ?? headers['grpc-status']?.[0];
  if (status !== undefined && /^\d+$/.test(status)) call.status = Number(status);
  const message = trailers?.['grpc-message']?.[0] ?? headers['grpc-message']?.[0];
  if (message !== undefined) call.message = percentDecode(message);
  return call;
}

/** grpc-message is percent-encoded UTF-8; a malformed escape is kept as it was. */
function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
