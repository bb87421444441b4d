// Span and trace ids: from an event's trace_context when processor-agent gave it one (so a JSONL
// line and its span share ids), else derived from the event id, deterministically.
import { hash } from 'node:crypto';

export function derivedTraceId(eventId: string): string {
  return hash('sha256', `trace:${eventId}`, 'hex').slice(0, 32);
}

export function derivedSpanId(eventId: string): string {
  return hash('sha256', `span:${eventId}`, 'hex').slice(0, 16);
}
