// A span while we build it, and the ReadableSpan the OTLP serializer takes when it is done.
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanStatus } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

export { SpanKind, SpanStatusCode };

export interface SpanEventRecord {
  name: string;
  timeNs: bigint;
  attributes: Attributes;
}

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  events: SpanEventRecord[];
  status: SpanStatus;
  resource: Resource;
}

/** Nanoseconds since the epoch -> HrTime, exactly (JS Dates hold only milliseconds). */
export function hrTime(ns: bigint): HrTime {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

export function toReadableSpan(s: SpanRecord, scope: { name: string; version: string }): ReadableSpan {
  const end = s.endNs < s.startNs ? s.startNs : s.endNs;
  const context = { traceId: s.traceId, spanId: s.spanId, traceFlags: TraceFlags.SAMPLED };
  return {
    name: s.name,
    kind: s.kind,
    spanContext: () => context,
    parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: TraceFlags.SAMPLED } : undefined,
    startTime: hrTime(s.startNs),
    endTime: hrTime(end),
    duration: hrTime(end - s.startNs),
    status: s.status,
    attributes: s.attributes,
    links: [],
    events: s.events.map((e) => ({ name: e.name, time: hrTime(e.timeNs), attributes: e.attributes, droppedAttributesCount: 0 })),
    ended: true,
    resource: s.resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
