// An OTLP/protobuf decoder that is not ours: the code protobufjs generated from the
// opentelemetry-proto .proto files, as the @opentelemetry/otlp-transformer 0.52 release shipped it.
// Tests decode what our exporter sends with it, so a bug in our encoding cannot hide by being
// decoded by its own inverse.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');

const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const ExportTraceServiceResponse = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/** Decodes an ExportTraceServiceRequest body into plain JSON (ids as hex, 64-bit numbers as strings). */
export function decodeTraceRequest(body: Uint8Array): OtlpTraceRequest {
  const message = ExportTraceServiceRequest.decode(body);
  const plainObject = ExportTraceServiceRequest.toObject(message, { longs: String, bytes: String, defaults: false, arrays: true, enums: Number }) as OtlpTraceRequest;
  // Ids as the hex everyone reads (protobufjs gives bytes as base64).
  for (const rs of plainObject.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        span.traceId = hex(span.traceId);
        span.spanId = hex(span.spanId);
        if (span.parentSpanId) span.parentSpanId = hex(span.parentSpanId);
        else delete span.parentSpanId;
      }
    }
  }
  return plainObject;
}

function hex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

/** Encodes a response with partial success, as a receiver that rejected some spans answers. */
export function encodeTraceResponse(rejectedSpans = 0, errorMessage = ''): Uint8Array {
  const partialSuccess = rejectedSpans || errorMessage ? { rejectedSpans, errorMessage } : undefined;
  return ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create(partialSuccess ? { partialSuccess } : {})).finish();
}

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpKeyValue[];
  events?: { timeUnixNano: string; name: string; attributes?: OtlpKeyValue[] }[];
  status?: { code?: number; message?: string };
}
export interface OtlpTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { scope?: { name?: string; version?: string; attributes?: OtlpKeyValue[] }; spans?: OtlpSpan[] }[];
  }[];
}

/** Attributes as a plain object (int64 as numbers where safe). */
export function attributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, plain(kv.value)]));
}

function plain(v: OtlpAnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  if (v.kvlistValue) return attributes(v.kvlistValue.values);
  return undefined;
}
