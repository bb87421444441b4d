// Events as JSON lines. Byte fields (capture.data's `data`) travel as base64; everything else is
// plain JSON. parseEvent is strict about the envelope and names what is wrong.
import type { OispEvent } from './event.ts';

function replacer(this: any, key: string, value: unknown): unknown {
  // A Buffer (what parseEvent makes) has toJSON, which JSON.stringify applies before the replacer
  // sees the value: look at the holder's own property to catch it.
  const raw: unknown = this[key];
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  return value;
}

/** One event as one JSON line (no trailing newline). */
export function serializeEvent(event: OispEvent): string {
  return JSON.stringify(event, replacer);
}

export class EventParseError extends Error {}

/** Parse one JSON line into an event; throws EventParseError naming the problem. */
export function parseEvent(line: string): OispEvent {
  let value: any;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new EventParseError(`invalid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new EventParseError('not a JSON object');
  for (const field of ['event_id', 'event_type', 'ts'] as const) {
    if (typeof value[field] !== 'string') throw new EventParseError(`${field}: missing or not a string`);
  }
  if (value.data === null || typeof value.data !== 'object') throw new EventParseError('data: missing or not an object');
  if (value.event_type === 'capture.data') {
    if (typeof value.data.data !== 'string') throw new EventParseError('data.data: capture.data bytes must be a base64 string');
    value.data.data = Buffer.from(value.data.data, 'base64');
  }
  return value as OispEvent;
}
