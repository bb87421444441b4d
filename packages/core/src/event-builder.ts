// Making events: ids, nanosecond timestamps, and deriving a new event from the one it came from
// (DESIGN.md: each stage copies the envelope, so process and kernel time travel to the span).
import { monotonicFactory } from 'ulid';
import { OISP_VERSION, type OispEvent } from './event.ts';

const ulid = monotonicFactory();

/** A ULID: sortable by creation time, unique within and across processes. */
export function newEventId(): string {
  return ulid();
}

/** Nanoseconds since the Unix epoch -> RFC 3339 UTC with 9 fractional digits. */
export function formatTimestamp(epochNs: bigint): string {
  const ms = epochNs / 1_000_000n;
  const frac = (epochNs % 1_000_000_000n + 1_000_000_000n) % 1_000_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2026-11-24T22:05:11.123Z
  return `${iso.slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 (any precision up to ns) -> nanoseconds since the Unix epoch. */
export function parseTimestamp(ts: string): bigint {
  const m = RFC3339.exec(ts);
  if (!m) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(ts)}`);
  const seconds = BigInt(Date.parse(`${m[1]}${m[3]}`) / 1000);
  return seconds * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
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
