// Google's Generative Language API over gRPC (google.ai.generativelanguage.*.GenerativeService
// GenerateContent / StreamGenerateContent): the protobuf messages processor-http cut out of the
// HTTP/2 stream are decoded with the official protos (@google-ai/generativelanguage) into the
// JSON the REST API speaks, and read by the Gemini decoder — one mapping for both transports.
// A call that ended with a non-zero grpc-status is an error whatever the HTTP status said.
import { createRequire } from 'node:module';
import type { HttpResponse, HttpStreamEvent } from '@oisp/core';
import protobuf from 'protobufjs';
import type { ApiDecoder, CallContext, DecodedRequest, DecodedResponse } from '../api-decoder.ts';
import { gemini } from './gemini.ts';

const GRPC_CODES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

let root: protobuf.Root | undefined;

/** The official protos, loaded at the first gRPC call (a 0.8 MB descriptor most pipelines never need). */
function protos(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(createRequire(import.meta.url)('@google-ai/generativelanguage/build/protos/protos.json'));
  return root;
}

/** A message type of the API version the call used (v1beta, v1, ...). */
export function generativeType(version: string, name: 'GenerateContentRequest' | 'GenerateContentResponse'): protobuf.Type {
  return protos().lookupType(`google.ai.generativelanguage.${version}.${name}`);
}

/**
 * A decoded message as the REST API's JSON: camelCase fields, enums by name, bytes in base64,
 * and google.protobuf.Struct / Value / ListValue as the plain JSON they stand for.
 */
export function messageToJson(type: protobuf.Type, message: protobuf.Message): Record<string, unknown> {
  const obj = type.toObject(message, { enums: String, longs: Number, bytes: String, defaults: false, oneofs: false });
  return convert(type, obj, structToJson) as Record<string, unknown>;
}

/** The reverse, for a JSON body shaped as the REST API's (what a mock server encodes). */
export function jsonToMessage(type: protobuf.Type, json: Record<string, unknown>): protobuf.Message {
  return type.fromObject(convert(type, json, jsonToStruct) as Record<string, unknown>);
}

const WELL_KNOWN = new Set(['.google.protobuf.Struct', '.google.protobuf.Value', '.google.protobuf.ListValue']);

/** Walks `obj` along `type`, applying `wellKnown` to every Struct / Value / ListValue field. */
function convert(type: protobuf.Type, obj: unknown, wellKnown: (kind: string, v: unknown) => unknown): unknown {
  if (typeof obj !== 'object' || obj === null) return obj;
  const out: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  for (const field of type.fieldsArray) {
    const v = out[field.name];
    if (v === undefined) continue;
    const t = field.resolve().resolvedType;
    if (!(t instanceof protobuf.Type)) continue;
    const one = (x: unknown) => (WELL_KNOWN.has(t.fullName) ? wellKnown(t.fullName, x) : convert(t, x, wellKnown));
    if (field.map) out[field.name] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, one(x)]));
    else out[field.name] = Array.isArray(v) ? v.map(one) : one(v);
  }
  return out;
}

function structToJson(kind: string, v: unknown): unknown {
  const o = (v ?? {}) as Record<string, any>;
  if (kind === '.google.protobuf.Struct') return Object.fromEntries(Object.entries(o.fields ?? {}).map(([k, x]) => [k, structToJson('.google.protobuf.Value', x)]));
  if (kind === '.google.protobuf.ListValue') return (o.values ?? []).map((x: unknown) => structToJson('.google.protobuf.Value', x));
  if ('structValue' in o) return structToJson('.google.protobuf.Struct', o.structValue);
  if ('listValue' in o) return structToJson('.google.protobuf.ListValue', o.listValue);
  if ('stringValue' in o) return o.stringValue;
  if ('numberValue' in o) return o.numberValue;
  if ('boolValue' in o) return o.boolValue;
  return null;
}

function jsonToStruct(kind: string, v: unknown): unknown {
  if (kind === '.google.protobuf.Struct') return { fields: Object.fromEntries(Object.entries((v ?? {}) as object).map(([k, x]) => [k, jsonToStruct('.google.protobuf.Value', x)])) };
  if (kind === '.google.protobuf.ListValue') return { values: (v as unknown[]).map((x) => jsonToStruct('.google.protobuf.Value', x)) };
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (Array.isArray(v)) return { listValue: jsonToStruct('.google.protobuf.ListValue', v) };
  if (typeof v === 'object') return { structValue: jsonToStruct('.google.protobuf.Struct', v) };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  return { boolValue: Boolean(v) };
}

/** Every message of a gRPC stream, decoded; one that cannot be is an error naming its index. */
function decodeMessages(type: protobuf.Type, events: HttpStreamEvent[] | undefined): { json: Record<string, unknown>; ts: string }[] {
  return (events ?? []).map((e, i) => {
    if (e.error !== undefined) throw new Error(`gRPC message ${i}: ${e.error}`);
    return { json: messageToJson(type, type.decode(Buffer.from(e.data, 'base64'))), ts: e.ts };
  });
}

/** The REST method name the Gemini decoder knows, from the gRPC one. */
function restCall(call: CallContext): CallContext {
  const method = call.params.method === 'StreamGenerateContent' ? 'streamGenerateContent' : 'generateContent';
  return { ...call, params: { ...call.params, method } };
}

function decodeRequest(_body: unknown, call: CallContext): DecodedRequest {
  const [first] = decodeMessages(generativeType(call.params.version, 'GenerateContentRequest'), call.request.stream?.events);
  if (!first) throw new Error('no request message in the gRPC stream');
  const req = gemini.decodeRequest(first.json, restCall(call));
  if (typeof first.json.model === 'string') req.model = first.json.model.replace(/^models\//, '');
  return req;
}

function decodeResponse(response: HttpResponse, _body: unknown, request: DecodedRequest, call: CallContext): DecodedResponse {
  const status = response.grpc?.status;
  if (status !== undefined && status !== 0) {
    return { error: { type: GRPC_CODES[status] ?? `grpc-status ${status}`, code: String(status), ...(response.grpc?.message ? { message: response.grpc.message } : {}) } };
  }
  const chunks = decodeMessages(generativeType(call.params.version, 'GenerateContentResponse'), response.stream?.events);
  // The messages as the REST stream's JSON events: the Gemini decoder assembles them the same way.
  const asRest: HttpResponse = { ...response, stream: { format: 'ndjson', events: chunks.map((c) => ({ ts: c.ts, data: JSON.stringify(c.json) })) } };
  const out = gemini.decodeResponse(asRest, undefined, request, restCall(call));
  // A stream whose trailers were never seen ended early; one with grpc-status 0 is whole.
  if (status === 0 && request.streaming && !out.providerFinishReason) delete out.incomplete;
  return out;
}

export const geminiGrpc: ApiDecoder = { api: 'gemini.generate_content', decodeRequest, decodeResponse };
