// Collects one HTTP message (head, body bytes, stream events) and turns it into the payload of an
// http.request / http.response event when it ends. Every byte it keeps is in the memory account.
import type { HttpBody, HttpRequest, HttpStreamEvent } from '@oisp/core';
import type { MessageHead } from './http1-parser.ts';
import type { MemoryAccount } from './memory-account.ts';
import type { ChunkOrigin } from './reassembler.ts';
import { decodeContent, parseContentEncoding } from './content-decoding.ts';
import { isTextualType, mediaType, sniffText, utf8Text } from './body-text.ts';
import { GrpcMessageParser, isGrpc } from './grpc-messages.ts';
import { JsonArrayParser, NdjsonParser, SseParser, type StreamEventOut, type StreamParser } from './stream-parsers.ts';

export interface BuilderLimits {
  maxBodyBytes: number;
  memory: MemoryAccount;
  /** Called when a body or stream is cut because max_buffered_bytes is reached. */
  onMemoryLimit?: () => void;
}

/** Fields common to requests and responses (what finishInto writes). */
export type MessageParts = Omit<HttpRequest, 'exchange_id' | 'conn' | 'method' | 'url' | 'host'>;

const EVENT_OVERHEAD = 96;

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/json-seq']);

export class MessageBuilder<E> {
  readonly head: MessageHead;
  readonly first: ChunkOrigin<E>;
  #lastTs: string;
  readonly #limits: BuilderLimits;
  readonly #media: string;
  readonly #codings: string[];
  /** JSON bodies of streamed framing may be JSON-array streams: decided at the first body byte. */
  #maybeJsonArray: boolean;
  /**
   * Kept body bytes, copied into a buffer of our own: holding the capture chunks themselves could
   * pin far larger receiver buffers they are views of, memory the account would not see.
   */
  #buf: Buffer | null = null;
  #kept = 0;
  readonly #sizeHint: number;
  #wire = 0;
  #truncated = false;
  #lost = 0;
  #stream: StreamParser | null = null;
  #events: HttpStreamEvent[] = [];
  #held = 0;
  /** A handshake answer that opened a WebSocket: its messages follow in http.websocket events, not a body. */
  #websocket = false;

  /**
   * The parsed head's size must already be reserved in the memory account by the caller: the
   * builder holds it from here and releases it with the rest. `sizeHint`: the Content-Length
   * when there is one (the first allocation, capped).
   */
  constructor(head: MessageHead, first: ChunkOrigin<E>, last: ChunkOrigin<E>, streamedFraming: boolean, limits: BuilderLimits, sizeHint = 0) {
    this.head = head;
    this.#sizeHint = sizeHint;
    this.#held = head.size;
    this.first = first;
    this.#lastTs = last.ts;
    this.#limits = limits;
    this.#media = mediaType(head.headers['content-type']?.[0]);
    this.#codings = parseContentEncoding(head.headers['content-encoding']);
    this.#maybeJsonArray = false;
    // gRPC messages flow both ways (client streaming too), each compressed on its own, not the body.
    if (this.isGrpc) this.#stream = new GrpcMessageParser(head.headers['grpc-encoding']?.[0], limits.maxBodyBytes);
    else if (head.kind === 'response') {
      if (this.#media === 'text/event-stream') this.#stream = new SseParser();
      else if (NDJSON_TYPES.has(this.#media)) this.#stream = new NdjsonParser();
      else if (streamedFraming && (this.#media === 'application/json' || this.#media.endsWith('+json'))) this.#maybeJsonArray = true;
    }
  }

  get heldBytes(): number {
    return this.#held;
  }

  get isGrpc(): boolean {
    return isGrpc(this.#media);
  }

  body(bytes: Uint8Array, origin: ChunkOrigin<E>): void {
    if (bytes.length === 0) return;
    this.#lastTs = origin.ts;
    this.#wire += bytes.length;
    if (this.#truncated) return;
    let keep = bytes;
    const room = this.#limits.maxBodyBytes - this.#kept;
    if (keep.length > room) {
      keep = keep.subarray(0, room);
      this.#truncated = true;
    }
    if (keep.length === 0) return;
    if (!this.#ensureRoom(this.#kept + keep.length)) {
      this.#truncated = true;
      this.#limits.onMemoryLimit?.();
      return;
    }
    const buf = this.#buf!;
    buf.set(keep, this.#kept);
    keep = buf.subarray(this.#kept, this.#kept + keep.length);
    this.#kept += keep.length;
    if (this.#maybeJsonArray) {
      this.#maybeJsonArray = false;
      if (firstNonSpace(keep) === 0x5b && this.#codings.length === 0) this.#stream = new JsonArrayParser();
    }
    // Encoded streams are parsed after decoding, at the end (their events then share its time).
    if (this.#stream && this.#codings.length === 0) this.#streamPush(keep, origin.ts);
  }

  /** Grow the body buffer to hold `need` bytes (doubling, capped at max_body_bytes); false when memory is full. */
  #ensureRoom(need: number): boolean {
    const cap = this.#buf?.length ?? 0;
    if (need <= cap) return true;
    const max = this.#limits.maxBodyBytes;
    let size = Math.min(max, Math.max(need, cap * 2, Math.min(this.#sizeHint, 1 << 20), 1024));
    if (!this.#limits.memory.reserve(size - cap)) {
      size = need; // no room to grow ahead: take exactly what is needed, if even that fits
      if (!this.#limits.memory.reserve(size - cap)) return false;
    }
    this.#held += size - cap;
    const next = Buffer.allocUnsafe(size);
    if (this.#buf) this.#buf.copy(next, 0, 0, this.#kept);
    this.#buf = next;
    return true;
  }

  /** This (101, or 2xx to an extended CONNECT) response opened a WebSocket: it says so with an empty websocket stream. */
  openWebSocket(): void {
    this.#websocket = true;
  }

  /** A capture gap cut this message. */
  lose(lost: number): void {
    this.#lost += lost;
    if (lost > 0) this.#truncated = true;
  }

  /**
   * Write the payload fields into `data` (one object, built field by field: no spreads or deletes
   * on the hot path). `aborted`: the message did not complete; `endTs`: time of the chunk that ended it.
   */
  finishInto(data: MessageParts, aborted: boolean, endTs?: string): void {
    // A message that ended: its last byte is in the chunk that ended it (chunked framing included).
    if (!aborted && endTs !== undefined) this.#lastTs = endTs;
    data.http_version = this.head.version;
    data.headers = this.head.headers;
    if (this.#wire > 0) {
      const body = this.#finishBody(aborted);
      data.body = body.body;
      if (body.decoded && this.#codings.length > 0) this.#parseDecodedStream(body.decoded);
    }
    if (this.#stream) {
      if (!aborted) for (const ev of this.#stream.end()) this.#addEvent(ev, this.#lastTs);
      data.stream = { format: this.#stream.format, events: this.#events };
    } else if (this.#websocket) {
      data.stream = { format: 'websocket', events: [] };
    }
    data.first_byte_ts = this.first.ts;
    data.last_byte_ts = this.#lastTs;
    if (aborted) data.aborted = true;
    if (this.#lost > 0) data.bytes_lost = this.#lost;
  }

  /** Let go of everything held (after finish, or when the message is dropped). */
  release(): void {
    this.#limits.memory.release(this.#held);
    this.#held = 0;
    this.#buf = null;
    this.#events = [];
    this.#stream = null;
  }

  #finishBody(aborted: boolean): { body: HttpBody; decoded?: Uint8Array } {
    const raw = this.#buf ? this.#buf.subarray(0, this.#kept) : new Uint8Array(0);
    const cut = this.#truncated || aborted;
    const result = decodeContent(raw, this.#codings, this.#limits.maxBodyBytes, cut);
    const body: HttpBody = { wire_bytes: this.#wire, decoded_bytes: result.bytes.length };
    if (result.encoding !== undefined) body.encoding = result.encoding;
    if (this.#truncated || result.capped) body.truncated = true;
    if (result.error !== undefined) {
      body.decode_error = result.error;
      body.base64 = toBase64(raw);
      body.decoded_bytes = raw.length;
      return { body };
    }
    const cutHere = cut || result.capped === true;
    const text = isTextualType(this.#media) ? utf8Text(result.bytes, cutHere) : this.#media === '' ? sniffText(result.bytes, cutHere) : undefined;
    if (text !== undefined) body.text = text;
    else body.base64 = toBase64(result.bytes);
    return { body, decoded: result.bytes };
  }

  #parseDecodedStream(decoded: Uint8Array): void {
    let parser: StreamParser | null = null;
    if (this.head.kind !== 'response') return;
    if (this.#media === 'text/event-stream') parser = new SseParser();
    else if (NDJSON_TYPES.has(this.#media)) parser = new NdjsonParser();
    else if ((this.#media === 'application/json' || this.#media.endsWith('+json')) && firstNonSpace(decoded) === 0x5b) {
      parser = new JsonArrayParser();
    }
    if (!parser) return;
    this.#stream = parser;
    this.#streamPush(decoded, this.#lastTs);
  }

  #streamPush(bytes: Uint8Array, ts: string): void {
    const stream = this.#stream!;
    const before = stream.heldBytes;
    const events = stream.push(bytes);
    for (const ev of events) this.#addEvent(ev, ts);
    this.#adjust(stream.heldBytes - before);
  }

  /** An event memory cannot hold is not kept (the body says truncated). */
  #addEvent(ev: StreamEventOut, ts: string): void {
    // The text plus what an event object and its timestamp cost besides.
    const size = EVENT_OVERHEAD + ev.data.length + (ev.event?.length ?? 0) + (ev.id?.length ?? 0) + (ev.error?.length ?? 0);
    if (!this.#limits.memory.reserve(size)) {
      this.#truncated = true;
      this.#limits.onMemoryLimit?.();
      return;
    }
    this.#held += size;
    const out: HttpStreamEvent = { ts, data: ev.data };
    if (ev.event !== undefined) out.event = ev.event;
    if (ev.id !== undefined) out.id = ev.id;
    if (ev.error !== undefined) out.error = ev.error;
    this.#events.push(out);
  }

  /** Follow the stream parser's own buffer in the account (it may shrink or grow). */
  #adjust(delta: number): void {
    if (delta > 0) {
      if (this.#limits.memory.reserve(delta)) this.#held += delta;
      else {
        // No room for the parser's pending line: stop parsing this stream.
        this.#truncated = true;
        this.#limits.onMemoryLimit?.();
        const held = this.#stream!.heldBytes;
        this.#stream = null;
        this.#adjustRelease(held - delta);
      }
    } else if (delta < 0) this.#adjustRelease(-delta);
  }

  #adjustRelease(n: number): void {
    if (n <= 0) return;
    this.#limits.memory.release(n);
    this.#held -= n;
  }
}

function firstNonSpace(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
