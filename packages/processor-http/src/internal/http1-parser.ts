// An incremental HTTP/1.x parser for one direction of one connection. Bytes come in pieces split
// anywhere; the parser keeps only what it must (the head being read, a chunk-size line) and hands
// body bytes on as they arrive. After a capture gap it resynchronises on the next start line.
import type { HttpHeaders } from '@oisp/core';
import type { ChunkOrigin } from './reassembler.ts';
import type { MemoryAccount } from './memory-account.ts';

export type MessageKind = 'request' | 'response';

export interface MessageHead {
  kind: MessageKind;
  /** '1.0' or '1.1'. */
  version: string;
  method?: string;
  url?: string;
  status?: number;
  reason?: string;
  headers: HttpHeaders;
  /** Length of the head's text: what holding the parsed head costs, roughly (memory account). */
  size: number;
}

/** How a message's body is delimited (RFC 9112 section 6). */
export type BodyFraming =
  | { type: 'none' }
  | { type: 'length'; length: number }
  | { type: 'chunked' }
  | { type: 'close' }
  /** Not HTTP after this message (101 Switching Protocols, CONNECT): the rest goes to `tunnel`. */
  | { type: 'tunnel' };

export interface ParserHandler<E> {
  /** A head is complete. Returns its body framing, or null when the head is rejected (already reported). */
  head(head: MessageHead, first: ChunkOrigin<E>, last: ChunkOrigin<E>): BodyFraming | null;
  body(bytes: Uint8Array, origin: ChunkOrigin<E>): void;
  end(origin: ChunkOrigin<E>, trailers?: HttpHeaders): void;
  /** The message in flight cannot complete: `lost` bytes were lost inside it (0: the connection closed). */
  abort(lost: number, origin: ChunkOrigin<E>): void;
  /** A message whose head had not been read yet was lost. */
  headLost(): void;
  /** After a message that ended the HTTP part (framing `tunnel`): the bytes that followed it in its chunk. */
  tunnel(bytes: Uint8Array, origin: ChunkOrigin<E>): void;
  /** Bad input: the connection is given up (the handler skips it). */
  error(kind: string, detail: string): void;
}

/** Where the parser is in a message (a plain object: erasable TypeScript has no enums). */
const STATE = {
  start: 0,
  head: 1,
  bodyLength: 2,
  chunkSize: 3,
  chunkData: 4,
  chunkDataEnd: 5,
  trailers: 6,
  bodyClose: 7,
  skipLength: 8,
  resync: 9,
  dead: 10,
  tunnel: 11,
} as const;
type State = (typeof STATE)[keyof typeof STATE];

const LF = 10;
const CR = 13;
const MAX_START_LINE = 8192;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_CHUNK_LINE = 1024;
const MAX_RESYNC_TAIL = 8192;

const REQUEST_LINE = /^([A-Z][A-Z0-9_-]*) ([^\s]+) HTTP\/(1\.[01])$/;
const STATUS_LINE = /^HTTP\/(1\.[01]) ([1-9]\d\d)(?: (.*))?$/;
const CHUNK_SIZE_LINE = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/;
const RESYNC_REQUEST = /(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE) [^\s]+ HTTP\/1\.[01]\r?\n/;
const RESYNC_RESPONSE = /HTTP\/1\.[01] [1-9]\d\d[ \r\n]/;
const RESYNC_CANDIDATE = /(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE) |HTTP\/1/;

export class Http1Parser<E> {
  /** What this direction carries; 'either' until the connection's role is known. */
  expect: MessageKind | 'either' = 'either';
  #state: State = STATE.start;
  readonly #handler: ParserHandler<E>;
  readonly #memory: MemoryAccount;
  readonly #maxHeaderBytes: number;

  // The head being read (start line + headers), kept as pieces until its end is seen.
  #headPieces: Uint8Array[] = [];
  #headBytes = 0;
  #headFirst: ChunkOrigin<E> | null = null;
  /** 0: not at a line end; 1: just after LF; 2: after LF CR. */
  #headLineEnd = 0;
  #startLineChecked = false;
  // Chunk-size and trailer lines, body counters.
  #line: Uint8Array[] = [];
  #lineBytes = 0;
  #remaining = 0;
  #chunkEndSeenCR = false;
  #trailerLines: string[] = [];
  #trailerBytes = 0;
  #resyncTail: Uint8Array = new Uint8Array(0);
  #held = 0;
  #lastOrigin: ChunkOrigin<E> | null = null;

  constructor(handler: ParserHandler<E>, memory: MemoryAccount, maxHeaderBytes: number) {
    this.#handler = handler;
    this.#memory = memory;
    this.#maxHeaderBytes = maxHeaderBytes;
  }

  /** Bytes this parser holds (heads, lines, resync tail); all of it is in the memory account. */
  get heldBytes(): number {
    return this.#held;
  }

  get isDead(): boolean {
    return this.#state === STATE.dead;
  }

  feed(bytes: Uint8Array, origin: ChunkOrigin<E>): void {
    this.#lastOrigin = origin;
    let pos = 0;
    const n = bytes.length;
    while (pos < n) {
      switch (this.#state) {
        case STATE.start: {
          while (pos < n && (bytes[pos] === CR || bytes[pos] === LF)) pos++; // stray CRLF between messages
          if (pos >= n) return;
          const b = bytes[pos];
          if (b < 0x41 || b > 0x5a) return this.#fail('not_http', `message starts with byte 0x${b.toString(16)}`);
          this.#headFirst = origin;
          this.#state = STATE.head;
          break;
        }
        case STATE.head:
          pos = this.#readHead(bytes, pos, origin);
          break;
        case STATE.bodyLength: {
          const take = Math.min(this.#remaining, n - pos);
          this.#remaining -= take;
          this.#handler.body(bytes.subarray(pos, pos + take), origin);
          pos += take;
          if (this.#remaining === 0 && this.#state === STATE.bodyLength) this.#finish(origin);
          break;
        }
        case STATE.skipLength: {
          const take = Math.min(this.#remaining, n - pos);
          this.#remaining -= take;
          pos += take;
          if (this.#remaining === 0) this.#state = STATE.start;
          break;
        }
        case STATE.chunkSize:
          pos = this.#readChunkSize(bytes, pos);
          break;
        case STATE.chunkData: {
          const take = Math.min(this.#remaining, n - pos);
          this.#remaining -= take;
          this.#handler.body(bytes.subarray(pos, pos + take), origin);
          pos += take;
          if (this.#remaining === 0 && this.#state === STATE.chunkData) {
            this.#state = STATE.chunkDataEnd;
            this.#chunkEndSeenCR = false;
          }
          break;
        }
        case STATE.chunkDataEnd: {
          const b = bytes[pos++];
          if (b === CR && !this.#chunkEndSeenCR) this.#chunkEndSeenCR = true;
          else if (b === LF) this.#state = STATE.chunkSize;
          else return this.#fail('bad_chunk', 'chunk data not followed by CRLF');
          break;
        }
        case STATE.trailers:
          pos = this.#readTrailers(bytes, pos, origin);
          break;
        case STATE.bodyClose:
          this.#handler.body(pos === 0 ? bytes : bytes.subarray(pos), origin);
          return;
        case STATE.resync:
          this.#resync(bytes.subarray(pos), origin);
          return;
        case STATE.tunnel:
          // Not HTTP any more: what followed the head in its chunk belongs to the new protocol.
          this.#handler.tunnel(bytes.subarray(pos), origin);
          this.kill();
          return;
        case STATE.dead:
          return;
      }
    }
  }

  /** `lost` bytes are missing here. */
  gap(lost: number, origin: ChunkOrigin<E>): void {
    switch (this.#state) {
      case STATE.dead:
      case STATE.tunnel:
        return;
      case STATE.start:
      case STATE.resync:
        break;
      case STATE.head:
        this.#dropHead();
        this.#handler.headLost();
        break;
      case STATE.bodyLength:
        // The length is known: the message is cut, but where the next one starts is not lost.
        this.#handler.abort(lost, origin);
        if (this.isDead) return;
        if (lost <= this.#remaining) {
          this.#remaining -= lost;
          this.#state = this.#remaining === 0 ? STATE.start : STATE.skipLength;
          return;
        }
        break;
      case STATE.skipLength:
        if (lost <= this.#remaining) {
          this.#remaining -= lost;
          if (this.#remaining === 0) this.#state = STATE.start;
          return;
        }
        break;
      default:
        this.#dropLine();
        this.#dropTrailers();
        this.#handler.abort(lost, origin);
        if (this.isDead) return;
    }
    this.#enterResync();
  }

  /** The connection closed: a close-delimited body ends here; anything else in flight is aborted. */
  close(origin: ChunkOrigin<E>): void {
    switch (this.#state) {
      case STATE.bodyClose:
        // The body ended with the last bytes before the close.
        this.#state = STATE.start;
        this.#handler.end(this.#lastOrigin ?? origin);
        break;
      case STATE.head:
        this.#handler.headLost();
        break;
      case STATE.bodyLength:
      case STATE.chunkSize:
      case STATE.chunkData:
      case STATE.chunkDataEnd:
      case STATE.trailers:
        this.#handler.abort(0, origin);
        break;
    }
    this.kill();
  }

  /** Stop parsing for good and let go of what is held. */
  kill(): void {
    this.#lastOrigin = null;
    this.#dropHead();
    this.#dropLine();
    this.#dropTrailers();
    this.#setResyncTail(new Uint8Array(0));
    this.#state = STATE.dead;
  }

  #fail(kind: string, detail: string): void {
    this.kill();
    this.#handler.error(kind, detail);
  }

  #hold(bytes: Uint8Array): boolean {
    if (!this.#memory.reserve(bytes.length)) {
      this.#fail('memory_limit', 'max_buffered_bytes reached while reading a message head');
      return false;
    }
    this.#held += bytes.length;
    return true;
  }

  #let(n: number): void {
    this.#held -= n;
    this.#memory.release(n);
  }

  #dropHead(): void {
    this.#let(this.#headBytes);
    this.#headPieces = [];
    this.#headBytes = 0;
    this.#headLineEnd = 0;
    this.#startLineChecked = false;
    this.#headFirst = null;
  }

  #dropLine(): void {
    this.#let(this.#lineBytes);
    this.#line = [];
    this.#lineBytes = 0;
  }

  /** Read head bytes from pos; returns the position after what it consumed. */
  #readHead(bytes: Uint8Array, pos: number, origin: ChunkOrigin<E>): number {
    const n = bytes.length;
    if (this.#headBytes === 0) {
      // Fast path: the whole head is in this chunk (the usual case): one native search, one decode.
      const blank = Buffer.prototype.indexOf.call(bytes, CRLFCRLF, pos) as number;
      if (blank >= 0 && blank + 4 - pos <= this.#maxHeaderBytes) {
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const text = buf.toString('utf8', pos, blank + 4);
        // A head ending in bare LFs ends earlier than this CRLFCRLF: leave it to the slow path.
        if (text.indexOf('\n\n') < 0 && text.indexOf('\n\r\n') === text.length - 3) {
          const lf = text.indexOf('\n');
          if (lf > MAX_START_LINE) {
            this.#fail('bad_start_line', `start line longer than ${MAX_START_LINE} bytes`);
            return n;
          }
          if (!this.#checkLine(text.slice(0, text.charCodeAt(lf - 1) === CR ? lf - 1 : lf))) return n;
          this.#completeHeadText(text, origin);
          return blank + 4;
        }
      }
    }
    let i = pos;
    let end = -1; // index just past the blank line ending the head
    let state = this.#headLineEnd;
    while (i < n) {
      if (state === 0) {
        const lf = bytes.indexOf(LF, i);
        if (lf < 0) {
          i = n;
          break;
        }
        i = lf + 1;
        state = 1;
        if (!this.#startLineChecked) {
          // Check the start line as soon as it is whole: garbage is rejected without waiting.
          const piece = copyOf(bytes, pos, i); // a copy: heads may wait across batches
          if (!this.#hold(piece)) return n;
          this.#headPieces.push(piece);
          this.#headBytes += piece.length;
          pos = i;
          if (!this.#checkStartLine()) return n;
        }
        continue;
      }
      const b = bytes[i];
      if (b === LF) {
        end = i + 1;
        break;
      }
      if (b === CR && state === 1) {
        state = 2;
        i++;
        continue;
      }
      state = 0;
    }
    this.#headLineEnd = state;
    const stop = end < 0 ? n : end;
    if (stop > pos) {
      const piece = copyOf(bytes, pos, stop);
      if (this.#headBytes + piece.length > this.#maxHeaderBytes) {
        this.#fail('header_too_large', `message head over max_header_bytes (${this.#maxHeaderBytes})`);
        return n;
      }
      if (!this.#startLineChecked && this.#headBytes + piece.length > MAX_START_LINE) {
        this.#fail('bad_start_line', `start line longer than ${MAX_START_LINE} bytes`);
        return n;
      }
      if (!this.#hold(piece)) return n;
      this.#headPieces.push(piece);
      this.#headBytes += piece.length;
    }
    if (end < 0) return n;
    this.#completeHead(origin);
    return end;
  }

  #headText(encoding: 'latin1' | 'utf8' = 'latin1'): string {
    const buf = this.#headPieces.length === 1 ? this.#headPieces[0] : Buffer.concat(this.#headPieces);
    return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString(encoding);
  }

  #checkStartLine(): boolean {
    this.#startLineChecked = true;
    return this.#checkLine(this.#headText().replace(/\r?\n$/, ''));
  }

  #checkLine(line: string): boolean {
    if (line.startsWith('PRI * HTTP/2')) {
      this.#fail('http2_unsupported', 'HTTP/2 connection preface');
      return false;
    }
    const isRequest = REQUEST_LINE.test(line);
    const isResponse = !isRequest && STATUS_LINE.test(line);
    if (!isRequest && !isResponse) {
      this.#fail('bad_start_line', `not an HTTP/1.x start line: ${JSON.stringify(line.slice(0, 80))}`);
      return false;
    }
    const kind: MessageKind = isRequest ? 'request' : 'response';
    if (this.expect !== 'either' && this.expect !== kind) {
      this.#fail('unexpected_message', `a ${kind} where a ${this.expect} was expected`);
      return false;
    }
    return true;
  }

  #completeHead(origin: ChunkOrigin<E>): void {
    const text = this.#headText('utf8');
    this.#completeHeadText(text, origin);
  }

  #completeHeadText(text: string, origin: ChunkOrigin<E>): void {
    const first = this.#headFirst ?? origin;
    this.#dropHead();
    const head = parseHead(text);
    if (typeof head === 'string') return this.#fail('bad_header', head);
    const framing = this.#handler.head(head, first, origin);
    if (framing === null || this.isDead) return this.kill();
    switch (framing.type) {
      case 'none':
        return this.#finish(origin);
      case 'length':
        if (framing.length === 0) return this.#finish(origin);
        this.#state = STATE.bodyLength;
        this.#remaining = framing.length;
        return;
      case 'chunked':
        this.#state = STATE.chunkSize;
        return;
      case 'close':
        this.#state = STATE.bodyClose;
        return;
      case 'tunnel':
        this.#state = STATE.tunnel;
        this.#handler.end(origin);
        return;
    }
  }

  #finish(origin: ChunkOrigin<E>, trailers?: HttpHeaders): void {
    this.#state = STATE.start;
    this.#handler.end(origin, trailers);
  }

  /**
   * Collect bytes up to and including the next LF into #line. Returns -1 on failure (reported),
   * the new position when the line is not complete yet, or -2 - position when it is.
   */
  #collectLine(bytes: Uint8Array, pos: number, limit: number, kind: string): number {
    const lf = bytes.indexOf(LF, pos);
    const stop = lf < 0 ? bytes.length : lf + 1;
    const piece = copyOf(bytes, pos, stop);
    if (this.#lineBytes + piece.length > limit) {
      this.#fail(kind, `line over ${limit} bytes`);
      return -1;
    }
    if (!this.#hold(piece)) return -1;
    this.#line.push(piece);
    this.#lineBytes += piece.length;
    return lf < 0 ? bytes.length : -2 - stop; // -2 - stop encodes "complete at stop"
  }

  #takeLine(): string {
    const buf = this.#line.length === 1 ? this.#line[0] : Buffer.concat(this.#line);
    const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
    this.#dropLine();
    return text.replace(/\r?\n$/, '');
  }

  #readChunkSize(bytes: Uint8Array, pos: number): number {
    if (this.#lineBytes === 0) {
      // Fast path: the size line is whole in this chunk: read the hex digits in place.
      const size = chunkSizeAt(bytes, pos);
      if (size !== undefined) {
        if (size.value === 0) this.#state = STATE.trailers;
        else {
          this.#state = STATE.chunkData;
          this.#remaining = size.value;
        }
        return size.next;
      }
    }
    const r = this.#collectLine(bytes, pos, MAX_CHUNK_LINE, 'bad_chunk');
    if (r === -1) return bytes.length;
    if (r >= 0) return r;
    const next = -2 - r;
    const m = CHUNK_SIZE_LINE.exec(this.#takeLine());
    if (!m) {
      this.#fail('bad_chunk', 'malformed chunk size line');
      return bytes.length;
    }
    const size = parseInt(m[1], 16);
    if (size === 0) this.#state = STATE.trailers;
    else {
      this.#state = STATE.chunkData;
      this.#remaining = size;
    }
    return next;
  }

  #readTrailers(bytes: Uint8Array, pos: number, origin: ChunkOrigin<E>): number {
    const r = this.#collectLine(bytes, pos, MAX_CHUNK_LINE * 8, 'header_too_large');
    if (r === -1) return bytes.length;
    if (r >= 0) return r;
    const line = this.#takeLine();
    if (line !== '') {
      // Trailer lines wait (counted) until the blank line that ends the section.
      this.#trailerBytes += line.length;
      if (this.#trailerBytes > this.#maxHeaderBytes || !this.#memory.reserve(line.length)) {
        this.#trailerBytes -= line.length;
        this.#fail('header_too_large', `trailers over max_header_bytes (${this.#maxHeaderBytes})`);
        return bytes.length;
      }
      this.#held += line.length;
      this.#trailerLines.push(line);
      return -2 - r;
    }
    const trailers = parseHeaderLines(this.#trailerLines);
    this.#dropTrailers();
    if (typeof trailers === 'string') {
      this.#fail('bad_header', `trailer: ${trailers}`);
      return bytes.length;
    }
    this.#finish(origin, Object.keys(trailers).length > 0 ? trailers : undefined);
    return -2 - r;
  }

  #dropTrailers(): void {
    this.#let(this.#trailerBytes);
    this.#trailerBytes = 0;
    this.#trailerLines = [];
  }

  #enterResync(): void {
    this.#dropHead();
    this.#dropLine();
    this.#dropTrailers();
    this.#setResyncTail(new Uint8Array(0));
    this.#state = STATE.resync;
  }

  #setResyncTail(tail: Uint8Array): void {
    this.#let(this.#resyncTail.length);
    this.#resyncTail = new Uint8Array(0);
    if (tail.length > 0 && this.#hold(tail)) this.#resyncTail = tail;
  }

  /** Look for the next start line of the kind this direction carries; parse on from there. */
  #resync(bytes: Uint8Array, origin: ChunkOrigin<E>): void {
    const all = this.#resyncTail.length > 0 ? Buffer.concat([this.#resyncTail, bytes]) : bytes;
    const text = Buffer.from(all.buffer, all.byteOffset, all.byteLength).toString('latin1');
    let at = -1;
    if (this.expect !== 'response') at = searchIndex(RESYNC_REQUEST, text);
    if (this.expect !== 'request') {
      const r = searchIndex(RESYNC_RESPONSE, text);
      if (r >= 0 && (at < 0 || r < at)) at = r;
    }
    if (at >= 0) {
      this.#setResyncTail(new Uint8Array(0));
      this.#state = STATE.start;
      this.feed(all.subarray(at), origin);
      return;
    }
    // Keep only what could still be the beginning of a start line: after the last LF, from the
    // first candidate token (or the last few bytes, which may hold a token's first letters).
    const lastLF = text.lastIndexOf('\n');
    const rest = text.slice(lastLF + 1);
    const cand = searchIndex(RESYNC_CANDIDATE, rest);
    let keepFrom = cand >= 0 ? lastLF + 1 + cand : Math.max(lastLF + 1, text.length - 8);
    if (text.length - keepFrom > MAX_RESYNC_TAIL) keepFrom = text.length - 8;
    this.#setResyncTail(copyOf(all, keepFrom, all.length));
  }
}

function searchIndex(re: RegExp, text: string): number {
  const m = re.exec(text);
  return m ? m.index : -1;
}

/** Parse a complete head (start line + header lines + blank line). Returns a message on error. */
export function parseHead(text: string): MessageHead | string {
  const firstLF = text.indexOf('\n');
  const lineEnd = firstLF < 0 ? text.length : firstLF;
  const startLine = text.slice(0, text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd);
  const headers = parseHeaderBlock(text, firstLF < 0 ? text.length : firstLF + 1);
  if (typeof headers === 'string') return headers;
  const req = REQUEST_LINE.exec(startLine);
  if (req) return { kind: 'request', method: req[1], url: req[2], version: req[3], headers, size: text.length };
  const res = STATUS_LINE.exec(startLine);
  if (res) {
    const head: MessageHead = { kind: 'response', version: res[1], status: Number(res[2]), headers, size: text.length };
    if (res[3] !== undefined && res[3] !== '') head.reason = res[3];
    return head;
  }
  return `bad start line ${JSON.stringify(startLine.slice(0, 80))}`;
}

/** Header lines -> lower-case name -> values in order. Returns a message on error. */
export function parseHeaderLines(lines: string[]): HttpHeaders | string {
  return parseHeaderBlock(lines.join('\n'), 0);
}

/** Header lines of `text` from `pos` (CRLF or LF ends a line; blank lines skipped). One pass, no split. */
function parseHeaderBlock(text: string, pos: number): HttpHeaders | string {
  const headers: HttpHeaders = {};
  let last: string[] | null = null;
  const len = text.length;
  while (pos < len) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = len;
    const end = eol > pos && text.charCodeAt(eol - 1) === CR ? eol - 1 : eol;
    const lineStart = pos;
    pos = eol + 1;
    if (end === lineStart) continue;
    const c0 = text.charCodeAt(lineStart);
    if (c0 === 32 || c0 === 9) {
      // obs-fold: a continuation of the previous header's value.
      if (!last) return 'header continuation without a header';
      last[last.length - 1] += ' ' + text.slice(lineStart, end).trim();
      continue;
    }
    const colon = text.indexOf(':', lineStart);
    if (colon <= lineStart || colon >= end || !isToken(text, lineStart, colon)) {
      return `bad header line ${JSON.stringify(text.slice(lineStart, Math.min(end, lineStart + 80)))}`;
    }
    const name = text.slice(lineStart, colon).toLowerCase();
    let a = colon + 1;
    let b = end;
    while (a < b && (text.charCodeAt(a) === 32 || text.charCodeAt(a) === 9)) a++;
    while (b > a && (text.charCodeAt(b - 1) === 32 || text.charCodeAt(b - 1) === 9)) b--;
    const value = text.slice(a, b);
    const existing = Object.hasOwn(headers, name) ? headers[name] : undefined;
    if (existing) {
      existing.push(value);
      last = existing;
    } else {
      last = [value];
      // A header named __proto__ must stay a header, not replace the prototype.
      if (name === '__proto__') Object.defineProperty(headers, name, { value: last, enumerable: true, writable: true, configurable: true });
      else headers[name] = last;
    }
  }
  return headers;
}

/** tchar (RFC 9110 section 5.6.2) by char code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

function isToken(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/**
 * A chunk-size line that is whole in `bytes` at `pos` and plainly valid (hex digits, then CRLF or
 * LF, or an extension): its value and the position after it. Anything else: undefined (the line
 * is then read the slow way, which also reports what is wrong with it).
 */
function chunkSizeAt(bytes: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let i = pos;
  const n = bytes.length;
  for (; i < n && i - pos < 12; i++) {
    const c = bytes[i];
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) break;
    value = value * 16 + d;
  }
  if (i === pos || i >= n) return undefined;
  if (bytes[i] === CR && i + 1 < n && bytes[i + 1] === LF) return { value, next: i + 2 };
  if (bytes[i] === LF) return { value, next: i + 1 };
  return undefined;
}

/** A copy of bytes[start, end) (Buffer#slice would be a view). */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}
