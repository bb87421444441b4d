// An HTTP/2 connection's streams, each its own exchange: request HEADERS (+ CONTINUATION) and DATA
// from the requesting side, response HEADERS, DATA and trailers from the other; RST_STREAM aborts
// the exchange. Header blocks are decoded per direction (HPACK state is per direction); a block we
// could only partly decode (capture joined mid-connection, or lost bytes) is flagged on the message
// with the number of fields we could not read — never guessed.
import type { HttpHeaders } from '@oisp/core';
import type { MessageHead } from './http1-parser.ts';
import { HpackDecoder } from './hpack-decoder.ts';
import { FLAG, FRAME, FrameReader, framePayload, type ByteAccount, type Frame } from './http2-frames.ts';
import type { ChunkOrigin } from './reassembler.ts';

export type Direction = 'egress' | 'ingress';

/** What the connection does with the messages the session finds. */
export interface Http2Handler<E> {
  /** A message head: the connection makes its builder (false: it refused, e.g. memory). */
  head(stream: number, direction: Direction, head: MessageHead, first: ChunkOrigin<E>, last: ChunkOrigin<E>, unresolved: number): boolean;
  body(stream: number, direction: Direction, bytes: Uint8Array, origin: ChunkOrigin<E>): void;
  end(stream: number, direction: Direction, origin: ChunkOrigin<E>, trailers?: HttpHeaders): void;
  abort(stream: number, origin: ChunkOrigin<E>, reason: string): void;
  /** The requesting side is known (the side whose blocks carry :method). */
  role(requestDirection: Direction): void;
  count(name: string, n?: number): void;
  error(kind: string, detail: string): void;
}

interface PendingBlock<E> {
  stream: number;
  /** Copies (the frames' bytes are not kept by the reader), reserved in the account. */
  fragments: Uint8Array[];
  bytes: number;
  endStream: boolean;
  first: ChunkOrigin<E>;
  push: boolean;
}

interface StreamState {
  /** Which messages of the stream have a head, and which ended. */
  open: Record<Direction, boolean>;
  ended: Record<Direction, boolean>;
}

interface SideState<E> {
  reader: FrameReader<ChunkOrigin<E>>;
  hpack: HpackDecoder;
  block: PendingBlock<E> | null;
}

/** Header blocks bigger than this are not HTTP: the connection gives up on them. */
const MAX_HEADER_BLOCK = 256 * 1024;

export class Http2Session<E> {
  readonly #handler: Http2Handler<E>;
  readonly #sides: Record<Direction, SideState<E>>;
  readonly #streams = new Map<number, StreamState>();
  #requestDirection: Direction | undefined;
  readonly #account?: ByteAccount;

  /**
   * `fromStart`: the capture saw the connection open (the client preface is next on the client's
   * side, the tables are empty on both). Otherwise frames are searched for and tables start partial.
   */
  constructor(handler: Http2Handler<E>, opts: { fromStart: boolean; clientDirection?: Direction; account?: ByteAccount }) {
    this.#handler = handler;
    this.#requestDirection = opts.clientDirection;
    this.#account = opts.account;
    const side = (d: Direction): SideState<E> => ({
      reader: new FrameReader<ChunkOrigin<E>>(
        {
          frame: (f, o) => this.#frame(d, f, o),
          skipped: (n) => handler.count('h2_bytes_skipped_to_resync', n),
          overflow: (n) => handler.count('h2_bytes_dropped_at_memory_limit', n),
        },
        { preface: opts.fromStart && d === opts.clientDirection, synced: opts.fromStart, account: opts.account },
      ),
      hpack: new HpackDecoder(!opts.fromStart),
      block: null,
    });
    this.#sides = { egress: side('egress'), ingress: side('ingress') };
  }

  get heldBytes(): number {
    let n = 0;
    for (const s of Object.values(this.#sides)) n += s.reader.heldBytes + (s.block?.bytes ?? 0);
    return n;
  }

  /** Lets go of every byte held (the connection is gone or given up). */
  release(): void {
    for (const d of ['egress', 'ingress'] as const) {
      this.#sides[d].reader.release();
      this.#dropBlock(d);
    }
  }

  /** Starts or extends the header block in flight with a copy of `fragment`; false at the memory limit. */
  #hold(block: PendingBlock<E>, fragment: Uint8Array): boolean {
    if (this.#account && !this.#account.reserve(fragment.length)) return false;
    block.fragments.push(Buffer.from(fragment));
    block.bytes += fragment.length;
    return true;
  }

  #dropBlock(direction: Direction): void {
    const side = this.#sides[direction];
    if (side.block) this.#account?.release(side.block.bytes);
    side.block = null;
  }

  feed(direction: Direction, bytes: Uint8Array, origin: ChunkOrigin<E>): void {
    this.#sides[direction].reader.feed(bytes, origin);
  }

  /** Lost bytes: frames resynchronise, the header table restarts, streams with a body in flight lose it. */
  gap(direction: Direction, lost: number, origin: ChunkOrigin<E>): void {
    const side = this.#sides[direction];
    side.reader.gap();
    this.#dropBlock(direction);
    side.hpack.reset();
    // Any message of this direction still receiving may have lost part of itself.
    for (const [id, s] of this.#streams) if (s.open[direction] && !s.ended[direction]) this.#abort(id, origin, `${lost} bytes lost`);
  }

  /** The connection closed: every stream still open is aborted. */
  close(origin: ChunkOrigin<E>): void {
    for (const id of [...this.#streams.keys()]) this.#abort(id, origin, 'connection closed');
  }

  #frame(direction: Direction, f: Frame, origin: ChunkOrigin<E>): void {
    const side = this.#sides[direction];
    if (side.block && f.type !== FRAME.CONTINUATION) {
      // A header block must be continued by CONTINUATION frames only (RFC 9113 6.10).
      this.#handler.error('h2_bad_continuation', `frame type ${f.type} inside a header block`);
      this.#dropBlock(direction);
      side.hpack.reset();
    }
    switch (f.type) {
      case FRAME.HEADERS:
      case FRAME.PUSH_PROMISE: {
        const payload = framePayload(f);
        if (!payload) return this.#handler.error('h2_bad_padding', `stream ${f.stream}`);
        const block: PendingBlock<E> = { stream: f.stream, fragments: [], bytes: 0, endStream: (f.flags & FLAG.END_STREAM) !== 0, first: origin, push: f.type === FRAME.PUSH_PROMISE };
        if (!this.#hold(block, payload)) return this.#lostBlock(direction);
        side.block = block;
        if (f.flags & FLAG.END_HEADERS) this.#headerBlock(direction, origin);
        return;
      }
      case FRAME.CONTINUATION: {
        if (!side.block || side.block.stream !== f.stream) return this.#handler.count('h2_stray_continuation');
        if (side.block.bytes + f.payload.length > MAX_HEADER_BLOCK) {
          this.#handler.error('h2_header_block_too_large', `stream ${f.stream}`);
          this.#dropBlock(direction);
          side.hpack.reset();
          return;
        }
        if (!this.#hold(side.block, f.payload)) return this.#lostBlock(direction);
        if (f.flags & FLAG.END_HEADERS) this.#headerBlock(direction, origin);
        return;
      }
      case FRAME.DATA: {
        const s = this.#streams.get(f.stream);
        if (!s?.open[direction] || s.ended[direction]) {
          this.#handler.count('h2_data_without_headers');
          return;
        }
        const payload = framePayload(f);
        if (!payload) return this.#handler.error('h2_bad_padding', `stream ${f.stream}`);
        if (payload.length > 0) this.#handler.body(f.stream, direction, payload, origin);
        if (f.flags & FLAG.END_STREAM) this.#end(f.stream, direction, origin);
        return;
      }
      case FRAME.RST_STREAM:
        if (this.#streams.has(f.stream)) this.#abort(f.stream, origin, 'RST_STREAM');
        return;
      case FRAME.SETTINGS:
        // SETTINGS_MAX_FRAME_SIZE (0x5) bounds the frames the other side sends.
        if (!(f.flags & FLAG.ACK)) {
          for (let i = 0; i + 6 <= f.payload.length; i += 6) {
            const id = (f.payload[i] << 8) | f.payload[i + 1];
            const value = ((f.payload[i + 2] << 24) >>> 0) + ((f.payload[i + 3] << 16) | (f.payload[i + 4] << 8) | f.payload[i + 5]);
            if (id === 0x5) this.#sides[direction === 'egress' ? 'ingress' : 'egress'].reader.maxFrameSize = value;
          }
        }
        return;
      default:
        // PING, GOAWAY, WINDOW_UPDATE, PRIORITY: nothing an exchange is made of.
        return;
    }
  }

  /** A header block we could not hold: the table misses what it added, so it restarts. */
  #lostBlock(direction: Direction): void {
    this.#handler.count('h2_header_blocks_dropped_at_memory_limit');
    this.#dropBlock(direction);
    this.#sides[direction].hpack.reset();
  }

  #headerBlock(direction: Direction, origin: ChunkOrigin<E>): void {
    const side = this.#sides[direction];
    const block = side.block!;
    const bytes = block.fragments.length === 1 ? block.fragments[0] : Buffer.concat(block.fragments);
    this.#dropBlock(direction);
    let decoded;
    try {
      decoded = side.hpack.decode(bytes);
    } catch (err) {
      // Malformed on the wire (or cut by a loss we did not see): the table is unknown from here.
      this.#handler.error('h2_bad_header_block', (err as Error).message);
      side.hpack.reset();
      return;
    }
    if (block.push) return; // decoded only to keep the table in step; pushes are not exchanges we follow
    const pseudo: Record<string, string> = {};
    const headers: HttpHeaders = {};
    let size = 0;
    for (const [name, value] of decoded.headers) {
      size += name.length + value.length + 4;
      if (name.startsWith(':')) pseudo[name] = value;
      else (headers[name] ??= []).push(value);
    }
    if (decoded.unresolved > 0) this.#handler.count('h2_header_fields_unresolved', decoded.unresolved);
    const isRequest = pseudo[':method'] !== undefined;
    if (isRequest && this.#requestDirection === undefined) {
      this.#requestDirection = direction;
      this.#handler.role(direction);
    }
    let s = this.#streams.get(block.stream);
    if (s?.open[direction]) {
      // A second block on an open message: trailers (they end the stream).
      if (!s.ended[direction]) this.#end(block.stream, direction, origin, headers);
      return;
    }
    const status = pseudo[':status'] !== undefined ? Number(pseudo[':status']) : undefined;
    if (status !== undefined && status >= 100 && status < 200) {
      this.#handler.count('interim_responses');
      return;
    }
    if (!isRequest && status === undefined && decoded.unresolved === 0) {
      this.#handler.count('h2_blocks_without_pseudo_headers');
      return;
    }
    const kind = this.#requestDirection === undefined ? (isRequest ? 'request' : 'response') : direction === this.#requestDirection ? 'request' : 'response';
    const head: MessageHead = { kind, version: '2', headers, size: size + 64 };
    if (kind === 'request') {
      head.method = pseudo[':method'] ?? '';
      head.url = pseudo[':path'] ?? (pseudo[':method'] === 'CONNECT' ? (pseudo[':authority'] ?? '') : '');
      if (pseudo[':authority']) (headers[':authority'] ??= []).push(pseudo[':authority']);
      // Extended CONNECT (RFC 8441) names the protocol the stream will carry (websocket).
      if (pseudo[':protocol']) (headers[':protocol'] ??= []).push(pseudo[':protocol']);
    } else if (status === undefined || !(status >= 100 && status <= 999)) {
      // A response whose :status we could not read is not a response we can report.
      this.#handler.count('h2_response_status_unresolved');
      return;
    } else {
      head.status = status;
    }
    if (!s) {
      s = { open: { egress: false, ingress: false }, ended: { egress: false, ingress: false } };
      this.#streams.set(block.stream, s);
    }
    if (!this.#handler.head(block.stream, direction, head, block.first, origin, decoded.unresolved)) {
      this.#streams.delete(block.stream);
      return;
    }
    s.open[direction] = true;
    if (block.endStream) this.#end(block.stream, direction, origin);
  }

  #end(stream: number, direction: Direction, origin: ChunkOrigin<E>, trailers?: HttpHeaders): void {
    const s = this.#streams.get(stream);
    if (!s) return;
    s.ended[direction] = true;
    this.#handler.end(stream, direction, origin, trailers);
    if (s.ended.egress && s.ended.ingress) this.#streams.delete(stream);
    else if (this.#requestDirection && direction !== this.#requestDirection) this.#streams.delete(stream); // the response ends the exchange
  }

  #abort(stream: number, origin: ChunkOrigin<E>, reason: string): void {
    this.#streams.delete(stream);
    this.#handler.abort(stream, origin, reason);
  }
}

/**
 * A first chunk that can only be HTTP/2 frames (the capture joined a connection already open):
 * not a request or status line (those start with an upper-case token), and a frame boundary
 * confirmed by the frame after it.
 */
export function looksLikeHttp2(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  if (bytes[0] >= 0x41 && bytes[0] <= 0x5a) return false;
  let frames = 0;
  new FrameReader<null>({ frame: () => frames++, skipped: () => {} }, { preface: false, synced: false }).feed(bytes, null);
  return frames > 0;
}
