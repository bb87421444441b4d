// http.request / http.response: complete HTTP messages, made by processor-http from capture.*,
// read by processor-providers. http.websocket: the messages of a WebSocket opened by such an
// exchange, handed on as they complete (a WebSocket may stay open for hours). Internal between stages.
import type { ConnInfo, OispEvent } from '../event.ts';

/** Header name (lower-case) -> values in order (repeated headers kept). */
export type HttpHeaders = Record<string, string[]>;

/** One parsed stream event (SSE event, NDJSON line, JSON-array element, WebSocket message, gRPC message). */
export interface HttpStreamEvent {
  /** RFC 3339 ns timestamp of the chunk that completed this event. */
  ts: string;
  /** SSE `event:` field; for a WebSocket message its kind: text, binary (data in base64), close (data `code reason`), error. */
  event?: string;
  /** SSE `id:` field. */
  id?: string;
  /** The event's payload as text (SSE data lines joined with \n; an NDJSON line; a JSON element);
   * for a gRPC message, its bytes in base64, decompressed. */
  data: string;
  /** gRPC: why the message could not be decompressed (`data` then holds it as sent); WebSocket: why the message is
   * empty or raw (too big, cut by a gap, not inflated, unfinished), or why that direction stopped (event `error`). */
  error?: string;
  /** For WebSocket messages: which side sent it. */
  direction?: 'egress' | 'ingress';
}

/** A gRPC call (content-type application/grpc*), as HTTP/2 carries it. */
export interface GrpcCall {
  /** From the path /package.Service/Method. */
  service: string;
  method: string;
  /** grpc-encoding of the messages, when not identity. */
  encoding?: string;
  /** Responses: grpc-status and grpc-message (percent-decoded), from the trailers or a trailers-only response. */
  status?: number;
  message?: string;
}

export interface HttpBody {
  /** Decoded (after Content-Encoding) body as UTF-8 text when it is text, else base64 in `base64`. */
  text?: string;
  base64?: string;
  /** Bytes on the wire (before content decoding) and after decoding. */
  wire_bytes: number;
  decoded_bytes: number;
  /** Content-Encoding that was removed, when there was one. */
  encoding?: string;
  /** The body was cut at max_body_bytes. */
  truncated?: boolean;
  /** Decoding failed; the body is kept raw (base64) and this says why. */
  decode_error?: string;
}

interface HttpMessageBase {
  /** Pairs a request with its response: `${conn.id}:${sequence}`. */
  exchange_id: string;
  conn: ConnInfo;
  /** HTTP version as seen: '1.0', '1.1', '2'. */
  http_version: string;
  headers: HttpHeaders;
  body?: HttpBody;
  /**
   * Parsed stream events when the body is a stream (SSE, NDJSON, JSON array, gRPC). A handshake
   * answer that opened a WebSocket has format `websocket` and no events: it goes out at the
   * handshake, and the messages follow as http.websocket events with its exchange_id.
   */
  stream?: { format: 'sse' | 'ndjson' | 'json_array' | 'websocket' | 'grpc'; events: HttpStreamEvent[] };
  /** Set when the message is a gRPC call's. */
  grpc?: GrpcCall;
  /** RFC 3339 ns of the first and last byte of this message. */
  first_byte_ts: string;
  last_byte_ts: string;
  /** The message did not complete: the connection closed or a gap cut it. */
  aborted?: boolean;
  /** Bytes lost inside this message (capture gaps). */
  bytes_lost?: number;
  /**
   * HTTP/2: header fields that could not be read because they referenced header-table entries the
   * capture never saw (it joined the connection mid-way, or lost bytes). They are absent from
   * `headers`, never guessed.
   */
  headers_unresolved?: number;
}

export interface HttpRequest extends HttpMessageBase {
  method: string;
  /** Request target as sent (path and query, or absolute form). */
  url: string;
  /** Host header (or :authority), else SNI, else remote address. */
  host?: string;
}

export interface HttpResponse extends HttpMessageBase {
  status: number;
  reason?: string;
  /** The request's method and url, repeated so a response can be read alone. */
  method?: string;
  url?: string;
  host?: string;
  trailers?: HttpHeaders;
}

/** A WebSocket message: a stream event that always says which side sent it. */
export type HttpWebSocketMessage = HttpStreamEvent & { direction: 'egress' | 'ingress' };

/**
 * Messages of a WebSocket, in the order they completed, as soon as they complete: processor-http
 * hands on those of one capture batch together. The last event of an exchange has `end`; every
 * WebSocket whose handshake answer went out gets one, however it ended.
 */
export interface HttpWebSocket {
  /** The handshake's exchange (its http.request and http.response carry the same id). */
  exchange_id: string;
  conn: ConnInfo;
  /** May be empty in the last event. */
  messages: HttpWebSocketMessage[];
  /** The WebSocket is over: no more http.websocket for this exchange. */
  end?: boolean;
  /** It ended without a close frame from each side (the connection closed or went idle, a gap or bad frame stopped a direction). */
  aborted?: boolean;
}

export type HttpRequestEvent = OispEvent<'http.request', HttpRequest>;
export type HttpResponseEvent = OispEvent<'http.response', HttpResponse>;
export type HttpWebSocketEvent = OispEvent<'http.websocket', HttpWebSocket>;
