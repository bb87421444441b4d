// Incremental parsers for streamed bodies: Server-Sent Events (eventsource-parser), NDJSON / JSON
// Lines, JSON arrays. Each takes body bytes as they arrive and reports the events they completed,
// so an event's timestamp is that of the chunk that completed it. NDJSON and JSON-array input is
// cut on bytes (CR, LF and JSON structure are never inside a UTF-8 sequence), and SSE goes
// through a streaming decoder, so a multi-byte character split across chunks is decoded whole.
import { createParser, type EventSourceParser } from 'eventsource-parser';

export interface StreamEventOut {
  event?: string;
  id?: string;
  data: string;
  error?: string;
}

export interface StreamParser {
  readonly format: 'sse' | 'ndjson' | 'json_array' | 'grpc';
  /** Feed bytes; returns the events they completed. */
  push(bytes: Uint8Array): StreamEventOut[];
  /** End of body: events still pending (a last NDJSON line without newline). */
  end(): StreamEventOut[];
  /** Bytes held waiting for the end of a line or element. */
  readonly heldBytes: number;
}

const LF = 10;
const CR = 13;

/** Splits bytes into lines ending in CR, LF or CRLF; keeps the partial last line. */
class LineSplitter {
  #partial: Uint8Array[] = [];
  #partialBytes = 0;
  #lastWasCR = false;

  get heldBytes(): number {
    return this.#partialBytes;
  }

  /** Calls `line` for each completed line (as UTF-8 text, terminator removed). */
  push(bytes: Uint8Array, line: (text: string) => void): void {
    let pos = 0;
    const n = bytes.length;
    if (this.#lastWasCR && n > 0 && bytes[0] === LF) pos = 1; // the LF of a CRLF split across chunks
    this.#lastWasCR = false;
    let nextLF = -2;
    let nextCR = -2;
    while (pos < n) {
      // Remember where the next CR and LF are so a stream without one of them is not rescanned.
      if (nextLF !== -1 && nextLF < pos) nextLF = bytes.indexOf(LF, pos);
      if (nextCR !== -1 && nextCR < pos) nextCR = bytes.indexOf(CR, pos);
      let end: number;
      if (nextLF < 0 && nextCR < 0) break;
      if (nextCR < 0 || (nextLF >= 0 && nextLF < nextCR)) end = nextLF;
      else end = nextCR;
      line(this.#take(bytes.subarray(pos, end)));
      pos = end + 1;
      if (bytes[end] === CR) {
        if (pos < n && bytes[pos] === LF) pos++;
        else if (pos === n) this.#lastWasCR = true;
      }
    }
    if (pos < n) {
      // A copy: a view would pin the (larger) buffer it is a view of.
      this.#partial.push(copyOf(bytes, pos, n));
      this.#partialBytes += n - pos;
    }
  }

  /** The partial last line, if any. */
  rest(): string | undefined {
    if (this.#partialBytes === 0) return undefined;
    return this.#take(new Uint8Array(0));
  }

  #take(tail: Uint8Array): string {
    let bytes = tail;
    if (this.#partialBytes > 0) {
      this.#partial.push(tail);
      bytes = Buffer.concat(this.#partial);
      this.#partial = [];
      this.#partialBytes = 0;
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
}

/**
 * text/event-stream, parsed by eventsource-parser (WHATWG rules: event, data, id, multi-line data,
 * comments, CR / LF / CRLF, a leading BOM). `id` is the id field the event itself carried.
 */
export class SseParser implements StreamParser {
  readonly format = 'sse' as const;
  // Bytes -> text: a streaming decoder keeps a multi-byte character split across chunks whole.
  readonly #decoder = new TextDecoder('utf-8');
  readonly #parser: EventSourceParser;
  #out: StreamEventOut[] = [];
  #pending = 0;
  #broken = false;

  constructor() {
    this.#parser = createParser({
      onEvent: (ev) => {
        const out: StreamEventOut = { data: ev.data };
        if (ev.event !== undefined) out.event = ev.event;
        if (ev.id !== undefined) out.id = ev.id;
        this.#out.push(out);
      },
    });
  }

  /** What the parser may hold: the bytes after the last blank line seen (an upper bound). */
  get heldBytes(): number {
    return this.#pending;
  }

  push(bytes: Uint8Array): StreamEventOut[] {
    if (this.#broken) return [];
    this.#out = [];
    try {
      this.#parser.feed(this.#decoder.decode(bytes, { stream: true }));
    } catch {
      this.#broken = true; // the parser gave up on this stream (it throws until reset)
    }
    this.#pending = this.#out.length > 0 ? bytes.length - afterLastBlankLine(bytes) : this.#pending + bytes.length;
    return this.#out;
  }

  end(): StreamEventOut[] {
    // An event without its closing blank line is incomplete and, per the spec, not dispatched.
    return [];
  }
}

/** Index just after the last blank line (LF LF, LF CR LF, CR CR) in bytes, or 0; scans from the end. */
function afterLastBlankLine(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 1; i--) {
    const b = bytes[i];
    if (b === LF) {
      const a = bytes[i - 1];
      if (a === LF || (a === CR && i >= 2 && bytes[i - 2] === LF)) return i + 1;
    } else if (b === CR && bytes[i - 1] === CR) return i + 1;
  }
  return 0;
}

/** application/x-ndjson, application/jsonl: one JSON value per line; blank lines skipped. */
export class NdjsonParser implements StreamParser {
  readonly format = 'ndjson' as const;
  #lines = new LineSplitter();

  get heldBytes(): number {
    return this.#lines.heldBytes;
  }

  push(bytes: Uint8Array): StreamEventOut[] {
    const out: StreamEventOut[] = [];
    this.#lines.push(bytes, (line) => {
      if (line.trim() !== '') out.push({ data: line });
    });
    return out;
  }

  end(): StreamEventOut[] {
    const rest = this.#lines.rest();
    return rest !== undefined && rest.trim() !== '' ? [{ data: rest }] : [];
  }
}

/**
 * A JSON array streamed element by element (Gemini's streamGenerateContent without alt=sse):
 * each top-level element is an event. Scans structure bytes only; string contents pass through.
 */
export class JsonArrayParser implements StreamParser {
  readonly format = 'json_array' as const;
  #depth = 0; // 0 before '[', 1 inside the array, >1 inside an element
  #inString = false;
  #escape = false;
  #done = false;
  #element: Uint8Array[] = [];
  #elementBytes = 0;
  #elementStart = -1; // position in the current chunk where the element began

  get heldBytes(): number {
    return this.#elementBytes;
  }

  push(bytes: Uint8Array): StreamEventOut[] {
    const out: StreamEventOut[] = [];
    if (this.#done) return out;
    this.#elementStart = this.#elementBytes > 0 || this.#depth > 1 ? 0 : -1;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (b === 0x5c) this.#escape = true;
        else if (b === 0x22) this.#inString = false;
        continue;
      }
      if (this.#depth === 0) {
        if (b === 0x5b) this.#depth = 1;
        continue;
      }
      if (this.#depth === 1) {
        if (b === 0x5d) {
          this.#emit(bytes, i, out);
          this.#done = true;
          return out;
        }
        if (b === 0x2c) {
          this.#emit(bytes, i, out);
          continue;
        }
        if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
        if (this.#elementStart < 0) this.#elementStart = i;
      }
      if (b === 0x22) this.#inString = true;
      else if (b === 0x7b || b === 0x5b) this.#depth++;
      else if (b === 0x7d || b === 0x5d) this.#depth--;
    }
    if (this.#elementStart >= 0) {
      this.#element.push(copyOf(bytes, this.#elementStart, bytes.length));
      this.#elementBytes += bytes.length - this.#elementStart;
    }
    return out;
  }

  end(): StreamEventOut[] {
    return [];
  }

  #emit(bytes: Uint8Array, end: number, out: StreamEventOut[]): void {
    if (this.#elementStart >= 0) this.#element.push(bytes.subarray(this.#elementStart, end));
    this.#elementStart = -1;
    if (this.#element.length === 0) return;
    const all = Buffer.concat(this.#element);
    this.#element = [];
    this.#elementBytes = 0;
    const text = all.toString('utf8').trim();
    if (text !== '') out.push({ data: text });
  }
}

/** A copy of bytes[start, end) (Buffer#slice would be a view). */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}
