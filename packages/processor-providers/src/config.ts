// Config of the `providers` processor: type, JSON schema (ajv fills defaults), defaults.
import type { JsonSchema } from '@oisp/core';

export const TYPE = 'providers';

export const API_STYLES = ['openai', 'anthropic', 'gemini', 'bedrock', 'cohere', 'ollama'] as const;

export interface EndpointConfig {
  /** Host patterns (`*` for DNS labels), optionally with a port: `llm.corp.example:8443`. */
  hosts: string[];
  /** gen_ai.provider.name to report. */
  provider: string;
  /** The wire API it speaks. */
  api: (typeof API_STYLES)[number];
  /** Local servers recognised by port alone. */
  ports?: number[];
}

export interface ProvidersProcessorConfig {
  /** Extra endpoints, checked before the built-in table. */
  endpoints: EndpointConfig[];
  /** Recognise OpenAI-compatible and Ollama servers anywhere by path and body shape. */
  detect_api_shape: boolean;
  /** Pass on the http.* events of decoded calls too (they are consumed by default). */
  keep_http: boolean;
  /** Requests waiting for their response; beyond it the oldest is given up (counted). */
  max_pending_requests: number;
  /** A request whose response has not come after this long (event time) is given up (counted). */
  request_ttl_ms: number;
  /** Text one unfinished call on a WebSocket may hold (its ask and answer); past it, answer events other than the final one are not kept (said on the call). */
  max_websocket_call_bytes: number;
  /** How much content leaves: full (secrets redacted), metadata (hashes and lengths), none. */
  content: 'full' | 'metadata' | 'none';
  /** Salt of the key fingerprints (auth.key_hash); the same salt on every host makes them comparable. Default: this host's machine id. */
  auth_hash_salt?: string;
  /** A price table to use instead of the bundled one (the @pydantic/genai-prices JSON: an array of providers). */
  price_file?: string;
}

export function createDefaultConfig(): ProvidersProcessorConfig {
  return { endpoints: [], detect_api_shape: true, keep_http: false, max_pending_requests: 10_000, request_ttl_ms: 15 * 60 * 1000, max_websocket_call_bytes: 16 * 1024 * 1024, content: 'full' };
}

const defaults = createDefaultConfig();

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoints: {
      type: 'array',
      default: [],
      description: 'Extra provider endpoints, checked before the built-in table.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['provider'],
        properties: {
          hosts: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
          ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } },
          provider: { type: 'string', minLength: 1 },
          api: { enum: [...API_STYLES], default: 'openai' },
        },
      },
    },
    detect_api_shape: { type: 'boolean', default: defaults.detect_api_shape },
    keep_http: { type: 'boolean', default: defaults.keep_http },
    max_pending_requests: { type: 'integer', minimum: 1, default: defaults.max_pending_requests },
    request_ttl_ms: { type: 'integer', minimum: 1, default: defaults.request_ttl_ms },
    max_websocket_call_bytes: { type: 'integer', minimum: 1024, default: defaults.max_websocket_call_bytes },
    content: { enum: ['full', 'metadata', 'none'], default: defaults.content, description: 'full (secrets redacted), metadata (hashes and lengths only) or none.' },
    auth_hash_salt: { type: 'string', minLength: 8, 'x-secret': true },
    price_file: { type: 'string', minLength: 1 },
  },
};

/** Cross-field rules. */
export function validateConfig(config: ProvidersProcessorConfig): void {
  config.endpoints.forEach((e, i) => {
    if (e.hosts.length === 0 && (e.ports ?? []).length === 0) throw new Error(`endpoints::${i}: needs hosts or ports`);
  });
}
