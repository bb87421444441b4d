// Reads a file as lines, a chunk at a time (never the whole file): each read yields the complete
// lines it finished, with the 1-based number of the first. A line longer than maxLineBytes is not
// kept in memory: it is yielded as `tooLong` (its number and size) and skipped. A last line with
// no newline is yielded at the end (a file cut mid-write ends in a torn line the caller reports).
import type { FileHandle } from 'node:fs/promises';

const NEWLINE = 0x0a;

export interface Lines {
  /** Number of lines[0] (1-based). */
  firstLine: number;
  lines: string[];
  /** Bytes of the file consumed by these lines (newlines included). */
  bytes: number;
}

export interface TooLongLine {
  tooLong: true;
  line: number;
  bytes: number;
}

export interface ReadLinesOptions {
  chunkBytes?: number;
  maxLineBytes: number;
  /** Read no further than this byte offset (what the file held when the replay began). */
  end?: number;
}

export async function* readLines(handle: FileHandle, options: ReadLinesOptions): AsyncGenerator<Lines | TooLongLine> {
  const buffer = Buffer.allocUnsafe(options.chunkBytes ?? 1024 * 1024);
  const end = options.end ?? Infinity;
  let carry: Buffer[] = []; // the start of a line that spans reads
  let carryBytes = 0;
  let skipping = false; // inside a line already reported too long
  let lineNo = 1;
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const chunk = buffer.subarray(0, bytesRead);
    let out: Lines = { firstLine: lineNo, lines: [], bytes: 0 };
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      if (skipping) {
        skipping = false;
        out.firstLine = ++lineNo;
      } else if (carryBytes + nl - start > options.maxLineBytes) {
        if (out.lines.length > 0) yield out;
        yield { tooLong: true, line: lineNo, bytes: carryBytes + nl - start };
        out = { firstLine: ++lineNo, lines: [], bytes: 0 };
      } else {
        const text = carryBytes > 0 ? Buffer.concat([...carry, chunk.subarray(start, nl)]).toString('utf8') : chunk.toString('utf8', start, nl);
        out.lines.push(text);
        out.bytes += carryBytes + nl - start + 1;
        lineNo++;
      }
      carry = [];
      carryBytes = 0;
      start = nl + 1;
    }
    if (out.lines.length > 0) yield out;
    if (start < chunk.length && !skipping) {
      const rest = chunk.length - start;
      if (carryBytes + rest > options.maxLineBytes) {
        yield { tooLong: true, line: lineNo, bytes: carryBytes + rest };
        skipping = true;
        carry = [];
        carryBytes = 0;
      } else {
        carry.push(Buffer.from(chunk.subarray(start))); // copied: the read buffer is reused
        carryBytes += rest;
      }
    }
  }
  if (carryBytes > 0) yield { firstLine: lineNo, lines: [Buffer.concat(carry).toString('utf8')], bytes: carryBytes };
}
