// Making events: ids, nanosecond timestamps, and deriving a new event from the one it came from
// (DESIGN.md: each stage copies the envelope, so process and kernel time travel to the span).
import { randomFillSync } from 'node:crypto';
import { OISP_VERSION, type OispEvent } from './event.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Random bytes drawn in blocks: one syscall per 409 ids instead of several per id. */
const pool = Buffer.alloc(4096);
let poolPos = pool.length;
let lastMs = -1;
let timePart = '';
/** The 80 random bits of the last id, as 16 base-32 digits (incremented within one millisecond). */
const digits = new Uint8Array(16);

function freshRandom(): void {
  if (poolPos + 10 > pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  // 10 bytes = 80 bits = 16 digits of 5 bits.
  let acc = 0;
  let bits = 0;
  let d = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | pool[poolPos++];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      digits[d++] = (acc >>> bits) & 31;
    }
    acc &= (1 << bits) - 1;
  }
}

/**
 * A ULID: 48 bits of milliseconds and 80 random bits, sortable by creation time and unique within
 * and across processes; within one millisecond the random part is incremented (monotonic).
 */
export function newEventId(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    let t = ms;
    let out = '';
    for (let i = 0; i < 10; i++) {
      out = CROCKFORD[t % 32] + out;
      t = Math.floor(t / 32);
    }
    timePart = out;
    freshRandom();
  } else {
    let i = 15;
    while (i >= 0 && digits[i] === 31) digits[i--] = 0;
    if (i < 0) freshRandom(); // 2^80 ids in one millisecond: start over rather than wrap
    else digits[i]++;
  }
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[digits[i]];
  return timePart + random;
}

/** The last whole second formatted: consecutive events mostly share it, and toISOString is the slow part. */
let lastFormattedSecond = -1n;
let lastFormattedPrefix = '';

/** Nanoseconds since the Unix epoch -> RFC 3339 UTC with 9 fractional digits. */
export function formatTimestamp(epochNs: bigint): string {
  const frac = (epochNs % 1_000_000_000n + 1_000_000_000n) % 1_000_000_000n;
  const second = (epochNs - frac) / 1_000_000_000n;
  if (second !== lastFormattedSecond) {
    lastFormattedSecond = second;
    lastFormattedPrefix = new Date(Number(second) * 1000).toISOString().slice(0, 19); // 2026-11-24T22:05:11
  }
  return `${lastFormattedPrefix}.${frac.toString().padStart(9, '0')}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** The last whole second parsed: timestamps of one stream share it, and Date.parse is the slow part. */
let lastSecond = '';
let lastSecondNs = 0n;

/** RFC 3339 (any precision up to ns) -> nanoseconds since the Unix epoch. */
export function parseTimestamp(ts: string): bigint {
  const m = RFC3339.exec(ts);
  if (!m) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(ts)}`);
  const second = `${m[1]}${m[3]}`;
  if (second !== lastSecond) {
    lastSecondNs = BigInt(Date.parse(second) / 1000) * 1_000_000_000n;
    lastSecond = second;
  }
  return lastSecondNs + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Wall-clock now with the best precision the runtime has. */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

type Envelope = Omit<OispEvent, 'event_id' | 'event_type' | 'data' | 'oisp_version'>;

/** A fresh event. */
export function createEvent<T extends string, D>(eventType: T, data: D, envelope: Partial<Envelope> = {}): OispEvent<T, D> {
  return {
    oisp_version: OISP_VERSION,
    event_id: newEventId(),
    event_type: eventType,
    ts: envelope.ts ?? formatTimestamp(nowNs()),
    ...envelope,
    data,
  } as OispEvent<T, D>;
}

/**
 * A new event made from `from`: copies the envelope (ts, ts_mono, host, actor, process, source,
 * confidence, trace_context), records where it came from, and takes new type and data.
 */
export function deriveEvent<T extends string, D>(
  from: OispEvent,
  eventType: T,
  data: D,
  overrides: Partial<Envelope> = {},
): OispEvent<T, D> {
  const { event_id: _id, event_type: _type, data: _data, related_events: _rel, attrs: _attrs, ...envelope } = from;
  return {
    ...envelope,
    oisp_version: OISP_VERSION,
    event_id: newEventId(),
    event_type: eventType,
    ...overrides,
    data,
  } as OispEvent<T, D>;
}
