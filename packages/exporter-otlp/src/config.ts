// Config of the `otlp` exporter: type, JSON schema (ajv fills defaults), defaults. Unset transport
// fields fall back to the standard OTEL_EXPORTER_OTLP_* environment variables.
import type { JsonSchema } from '@oisp/core';

export const TYPE = 'otlp';

export type SemconvGeneration = 'current' | 'legacy' | 'both';

export interface OtlpExporterConfig {
  /** Base URL (`/v1/traces` is appended); else OTEL_EXPORTER_OTLP_ENDPOINT; else http://localhost:4318. */
  endpoint?: string;
  /** Full URL of the traces endpoint, used as is; else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
  traces_endpoint?: string;
  /** Extra request headers; OTEL_EXPORTER_OTLP_HEADERS adds to them. */
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeout_ms: number;
  tls: { ca_file?: string };
  /** Which generation of GenAI attributes to write (gen_ai.provider.name vs gen_ai.system, ...). */
  semconv: SemconvGeneration;
  /** Message content, system instructions and tool definitions on spans (opt-in, per the conventions). */
  include_content: boolean;
  /** Each content attribute is cut to stay under this many bytes, as valid JSON. */
  max_content_bytes: number;
  /** A batch is sent at this many spans, or this many bytes, or after flush_interval_ms. */
  max_batch_spans: number;
  max_batch_bytes: number;
  flush_interval_ms: number;
  /** Batches held while the backend is away; beyond either bound the oldest are dropped (counted). */
  queue_max_batches: number;
  queue_max_bytes: number;
  /** Keep queued batches on disk here: delivered at least once across outages and restarts. */
  queue_dir?: string;
  retry: { initial_interval_ms: number; max_interval_ms: number; max_elapsed_ms: number };
  /** A request whose response never comes becomes an unfinished span with ERROR status after this. */
  request_ttl_ms: number;
  /** A finished span waits this long (wall clock) for late events before it is sent. */
  span_linger_ms: number;
}

export function createDefaultConfig(): OtlpExporterConfig {
  return {
    headers: {},
    compression: 'gzip',
    timeout_ms: 10_000,
    tls: {},
    semconv: 'current',
    include_content: false,
    max_content_bytes: 64 * 1024,
    max_batch_spans: 512,
    max_batch_bytes: 4 * 1024 * 1024,
    flush_interval_ms: 1000,
    queue_max_batches: 1000,
    queue_max_bytes: 256 * 1024 * 1024,
    retry: { initial_interval_ms: 500, max_interval_ms: 30_000, max_elapsed_ms: 0 },
    request_ttl_ms: 10 * 60 * 1000,
    span_linger_ms: 1000,
  };
}

const d = createDefaultConfig();

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', format: 'uri', description: 'Base URL; /v1/traces is appended. Default: OTEL_EXPORTER_OTLP_ENDPOINT.' },
    traces_endpoint: { type: 'string', format: 'uri', description: 'Full traces URL, used as is. Default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {}, 'x-secret': true },
    compression: { enum: ['gzip', 'none'], default: d.compression },
    timeout_ms: { type: 'integer', minimum: 1, default: d.timeout_ms },
    tls: { type: 'object', additionalProperties: false, default: {}, properties: { ca_file: { type: 'string', minLength: 1 } } },
    semconv: { enum: ['current', 'legacy', 'both'], default: d.semconv, description: 'GenAI attribute generation a backend reads.' },
    include_content: { type: 'boolean', default: d.include_content },
    max_content_bytes: { type: 'integer', minimum: 64, default: d.max_content_bytes },
    max_batch_spans: { type: 'integer', minimum: 1, default: d.max_batch_spans },
    max_batch_bytes: { type: 'integer', minimum: 1024, default: d.max_batch_bytes },
    flush_interval_ms: { type: 'integer', minimum: 1, default: d.flush_interval_ms },
    queue_max_batches: { type: 'integer', minimum: 1, default: d.queue_max_batches },
    queue_max_bytes: { type: 'integer', minimum: 1024, default: d.queue_max_bytes },
    queue_dir: { type: 'string', minLength: 1 },
    retry: {
      type: 'object',
      additionalProperties: false,
      default: d.retry,
      properties: {
        initial_interval_ms: { type: 'integer', minimum: 1, default: d.retry.initial_interval_ms },
        max_interval_ms: { type: 'integer', minimum: 1, default: d.retry.max_interval_ms },
        max_elapsed_ms: { type: 'integer', minimum: 0, default: d.retry.max_elapsed_ms, description: '0: retry until delivered (the queue bounds memory).' },
      },
    },
    request_ttl_ms: { type: 'integer', minimum: 1, default: d.request_ttl_ms },
    span_linger_ms: { type: 'integer', minimum: 0, maximum: 60_000, default: d.span_linger_ms, description: 'How long a finished span waits for late events.' },
  },
};

/** The traces URL from config, else the OTEL_* environment (OTLP exporter spec). */
export function tracesUrl(config: OtlpExporterConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (config.traces_endpoint) return config.traces_endpoint;
  if (config.endpoint) return config.endpoint.replace(/\/+$/, '') + '/v1/traces';
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '') + '/v1/traces';
  // The OTLP/HTTP default (the exporter spec's): a collector or agent on this host.
  return 'http://localhost:4318/v1/traces';
}

/** Config headers plus OTEL_EXPORTER_OTLP_(TRACES_)HEADERS (`k=v,k2=v2`, values URL-encoded). */
export function requestHeaders(config: OtlpExporterConfig, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of [env.OTEL_EXPORTER_OTLP_HEADERS, env.OTEL_EXPORTER_OTLP_TRACES_HEADERS]) {
    for (const pair of (raw ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) out[decodeURIComponent(pair.slice(0, eq).trim()).toLowerCase()] = decodeURIComponent(pair.slice(eq + 1).trim());
    }
  }
  for (const [k, v] of Object.entries(config.headers)) out[k.toLowerCase()] = v;
  return out;
}

export function validateConfig(config: OtlpExporterConfig): void {
  const url = tracesUrl(config);
  if (!/^https?:\/\//.test(url)) throw new Error(`endpoint: ${url} is not an http(s) URL (OTLP/HTTP)`);
  if (config.max_batch_bytes > config.queue_max_bytes) throw new Error(`max_batch_bytes: ${config.max_batch_bytes} is more than queue_max_bytes (${config.queue_max_bytes})`);
}
