// W3C trace-context ids: 16 random bytes for a trace, 8 for a span, as lower-case hex.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let pos = pool.length;

function hex(bytes: number): string {
  if (pos + bytes > pool.length) {
    randomFillSync(pool);
    pos = 0;
  }
  const out = pool.toString('hex', pos, pos + bytes);
  pos += bytes;
  // An all-zero id is invalid in W3C trace context.
  return /^0+$/.test(out) ? hex(bytes) : out;
}

export const newTraceId = (): string => hex(16);
export const newSpanId = (): string => hex(8);
