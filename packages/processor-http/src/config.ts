// Config of the `http` processor: type, JSON schema (ajv fills defaults), defaults.
import type { JsonSchema } from '@oisp/core';

export const TYPE = 'http';

export interface HttpProcessorConfig {
  /** Pass capture.* events on as well as the http.* events made from them (record/replay). */
  keep_raw: boolean;
  /** Decode connections where the captured process is the server (it reads requests first). */
  decode_server_side: boolean;
  /** Body bytes kept per message; beyond it the body is cut and flagged `truncated`. */
  max_body_bytes: number;
  /** Bytes of one message head (start line + headers); beyond it the connection is skipped. */
  max_header_bytes: number;
  /** Connections tracked at once; beyond it the least recently active one is closed. */
  max_connections: number;
  /** A connection with no data for this long (event time) is closed, its message in flight aborted. */
  idle_timeout_ms: number;
  /** Bound on all bytes the processor holds (heads, bodies, stream events, reorder buffers). */
  max_buffered_bytes: number;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export function createDefaultConfig(): HttpProcessorConfig {
  return {
    keep_raw: false,
    decode_server_side: false,
    max_body_bytes: DEFAULT_MAX_BODY_BYTES,
    max_header_bytes: 64 * 1024,
    max_connections: 4096,
    idle_timeout_ms: 5 * 60 * 1000,
    max_buffered_bytes: 256 * 1024 * 1024,
  };
}

const defaults = createDefaultConfig();

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keep_raw: { type: 'boolean', default: defaults.keep_raw, description: 'Pass capture.* events on too.' },
    decode_server_side: {
      type: 'boolean',
      default: defaults.decode_server_side,
      description: 'Decode connections where the captured process is the server.',
    },
    max_body_bytes: { type: 'integer', minimum: 0, maximum: DEFAULT_MAX_BODY_BYTES, default: defaults.max_body_bytes },
    max_header_bytes: { type: 'integer', minimum: 256, maximum: 1024 * 1024, default: defaults.max_header_bytes },
    max_connections: { type: 'integer', minimum: 1, default: defaults.max_connections },
    idle_timeout_ms: { type: 'integer', minimum: 1, default: defaults.idle_timeout_ms },
    max_buffered_bytes: { type: 'integer', minimum: 1024, default: defaults.max_buffered_bytes },
  },
};

/** Cross-field rules. */
export function validateConfig(config: HttpProcessorConfig): void {
  if (config.max_buffered_bytes < config.max_header_bytes * 2) {
    throw new Error(`max_buffered_bytes: must be at least 2 * max_header_bytes (${config.max_header_bytes * 2})`);
  }
}
