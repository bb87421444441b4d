// The envelope every event shares (DESIGN.md "The event"; OISP 0.1).
import type { JsonSchema } from '../component.ts';
import { arrayOf, closed, count, enumOf, openObject, str, strings, timestamp, u64 } from './common.ts';

/** Event types are dotted lower_snake_case names: `ai.request`, a plugin's `acme.audit_hit`. */
export const EVENT_TYPE_PATTERN = '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$';

export const hostSchema = closed(
  { hostname: str, os: str, os_version: str, arch: str, kernel: str, machine_id: str },
  ['hostname'],
);

export const actorSchema = closed({ uid: count, user: str });

export const processSchema = closed(
  {
    pid: count,
    ppid: count,
    tid: count,
    exe: str,
    name: str,
    cmdline: str,
    cwd: str,
    start_time: u64,
    container_id: str,
    ns_pid: count,
    service_name: str,
  },
  ['pid'],
);

export const sourceSchema = closed({ collector: str, collector_version: str, capture_method: str, capture_point: str }, ['collector']);

export const confidenceSchema = closed(
  { level: enumOf('high', 'medium', 'low'), completeness: enumOf('full', 'partial', 'metadata_only'), reasons: strings },
  ['level', 'completeness'],
);

const hex = (n: number): JsonSchema => ({ type: 'string', pattern: `^[0-9a-f]{${n}}$` });

export const traceContextSchema = closed(
  { trace_id: hex(32), span_id: hex(16), parent_span_id: hex(16), link: enumOf('observed', 'inferred') },
  ['trace_id', 'span_id'],
);

export const relatedEventSchema = closed({ event_id: str, relationship: str }, ['event_id', 'relationship']);

/** The envelope; `data` is checked by the schema of the event type (see event-schemas.ts). */
export const envelopeSchema: JsonSchema = {
  $id: 'https://oisp.dev/schema/0.1/envelope.json',
  title: 'OISP event envelope',
  ...closed(
    {
      oisp_version: enumOf('0.1'),
      event_id: { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$', description: 'ULID' },
      event_type: { type: 'string', pattern: EVENT_TYPE_PATTERN },
      ts: timestamp,
      ts_mono: u64,
      host: hostSchema,
      actor: actorSchema,
      process: processSchema,
      source: sourceSchema,
      confidence: confidenceSchema,
      trace_context: traceContextSchema,
      related_events: arrayOf(relatedEventSchema),
      attrs: openObject,
      data: openObject,
    },
    ['oisp_version', 'event_id', 'event_type', 'ts', 'data'],
  ),
};

