// http.request / http.response / http.websocket (events/http.ts): HTTP messages and WebSocket
// messages between processor-http and processor-providers.
import type { JsonSchema } from '../component.ts';
import { arrayOf, bool, closed, count, enumOf, str, strings, timestamp } from './common.ts';
import { connSchema } from './capture.ts';

/** Header name -> values in order. */
export const headersSchema: JsonSchema = { type: 'object', additionalProperties: strings };

export const bodySchema = closed(
  { text: str, base64: str, wire_bytes: count, decoded_bytes: count, encoding: str, truncated: bool, decode_error: str },
  ['wire_bytes', 'decoded_bytes'],
);

export const streamEventSchema = closed(
  { ts: timestamp, event: str, id: str, data: str, error: str, direction: enumOf('egress', 'ingress') },
  ['ts', 'data'],
);

const messageBase = {
  exchange_id: str,
  conn: connSchema,
  http_version: str,
  headers: headersSchema,
  body: bodySchema,
  stream: closed({ format: enumOf('sse', 'ndjson', 'json_array', 'websocket', 'grpc'), events: arrayOf(streamEventSchema) }, ['format', 'events']),
  grpc: closed({ service: str, method: str, encoding: str, status: count, message: str }, ['service', 'method']),
  first_byte_ts: timestamp,
  last_byte_ts: timestamp,
  aborted: bool,
  bytes_lost: count,
  headers_unresolved: count,
};
const messageRequired = ['exchange_id', 'conn', 'http_version', 'headers', 'first_byte_ts', 'last_byte_ts'];

export const httpRequestSchema = closed({ ...messageBase, method: str, url: str, host: str }, [...messageRequired, 'method', 'url']);

export const httpResponseSchema = closed(
  { ...messageBase, status: { type: 'integer', minimum: 100, maximum: 999 }, reason: str, method: str, url: str, host: str, trailers: headersSchema },
  [...messageRequired, 'status'],
);

/** A WebSocket message always names the side that sent it. */
const webSocketMessageSchema = { ...streamEventSchema, required: ['ts', 'data', 'direction'] };

export const httpWebSocketSchema = closed({ exchange_id: str, conn: connSchema, messages: arrayOf(webSocketMessageSchema), end: bool, aborted: bool }, ['exchange_id', 'conn', 'messages']);
