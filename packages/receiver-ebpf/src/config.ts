// Config of the `ebpf` receiver: type, JSON schema (ajv fills defaults), defaults.
import type { JsonSchema } from '@oisp/core';

export const TYPE = 'ebpf';

export interface EbpfReceiverConfig {
  /** Capture TLS plaintext with uprobes on OpenSSL. */
  ssl: boolean;
  /** More files to hook (absolute paths, globs): libssl copies or executables that carry OpenSSL. */
  binary_paths: string[];
  /** Where the TLS functions found by structure in stripped binaries are remembered, by file hash
   * ('' to keep them in memory only). */
  discovery_cache_dir: string;
  /** Whose payloads (TLS and plaintext sockets) are captured: every non-empty list must match, and
   * an excluded command never does. Commands are process names as in /proc/PID/comm. Applied in the
   * kernel; process, file and network events are not filtered by it. */
  processes: { pids: number[]; uids: number[]; comms: string[]; exclude_comms: string[] };
  /** Most plaintext bytes copied per SSL_* call; the rest shows as a gap (bytes_lost). */
  max_payload_bytes: number;
  /** Size of the kernel ring buffer (a power of two); when it is full, records are dropped and counted. */
  ring_buffer_bytes: number;
  /** How often running processes are looked at again for new executables and libraries (0: never). */
  rescan_interval_ms: number;
  /** Batches waiting for the pipeline; beyond it batches are dropped and counted (the gap shows in offsets). */
  max_queued_batches: number;
  /** process.exec/exit, file.* and network.connect events from kernel tracepoints. */
  system_events: boolean;
  /** Whose file events: processes marked as agents (and their children), all, or none. */
  file_events: 'marked' | 'all' | 'none';
  /** A file kept open and in use reports its bytes this often, not only when closed (0: only at close). */
  file_io_interval_ms: number;
  /** File paths kept (include: none means all) and dropped (globs, `**` for any depth). */
  file_paths: { include: string[]; exclude: string[] };
  /** What makes a process an agent: TLS to these hosts (`*` for DNS labels), or a connect to these ports. */
  ai_endpoints: { hosts: string[]; ports: number[] };
  /** Remote ports whose plaintext HTTP is captured from socket syscalls (local model servers, proxies); [] for none. */
  plain_http_ports: number[];
  /** System events wait this long before going on, so a tool a process ran never overtakes the model response that asked for it (two rings). */
  system_events_delay_ms: number;
}

/** Hosts of AI providers (the providers processor's table is the full one; this marks processes). */
export const DEFAULT_AI_HOSTS = [
  'api.openai.com', '*.openai.azure.com', '*.cognitiveservices.azure.com', '*.services.ai.azure.com', 'api.anthropic.com',
  'generativelanguage.googleapis.com', '*aiplatform.googleapis.com', 'bedrock-runtime.*.amazonaws.com', 'api.cohere.com', 'api.cohere.ai',
  'api.mistral.ai', 'api.groq.com', 'api.together.xyz', 'api.together.ai', 'api.fireworks.ai', 'api.replicate.com', 'router.huggingface.co',
  'api-inference.huggingface.co', 'api.perplexity.ai', 'api.deepseek.com', 'api.x.ai', 'openrouter.ai',
];

/** Loader and kernel files every exec touches: noise for someone watching an agent. */
export const DEFAULT_EXCLUDED_PATHS = ['/proc/**', '/sys/**', '/dev/**', '/etc/ld.so.cache', '/lib/**', '/lib64/**', '/usr/lib/**', '/usr/lib64/**', '/usr/share/locale/**'];

export function createDefaultConfig(): EbpfReceiverConfig {
  return {
    ssl: true,
    binary_paths: [],
    discovery_cache_dir: '/var/cache/oisp-collector/tls-discovery',
    processes: { pids: [], uids: [], comms: [], exclude_comms: [] },
    max_payload_bytes: 16 * 1024 * 1024,
    ring_buffer_bytes: 8 * 1024 * 1024,
    rescan_interval_ms: 500,
    max_queued_batches: 256,
    system_events: true,
    file_events: 'marked',
    file_io_interval_ms: 10_000,
    file_paths: { include: [], exclude: [...DEFAULT_EXCLUDED_PATHS] },
    ai_endpoints: { hosts: [...DEFAULT_AI_HOSTS], ports: [11434, 1234] },
    plain_http_ports: [11434, 1234, 8000, 8080, 4000],
    system_events_delay_ms: 200,
  };
}

const defaults = createDefaultConfig();

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ssl: { type: 'boolean', default: defaults.ssl },
    binary_paths: { type: 'array', items: { type: 'string', pattern: '^/' }, default: defaults.binary_paths },
    discovery_cache_dir: { type: 'string', pattern: '^(/.*)?$', default: defaults.discovery_cache_dir },
    processes: {
      type: 'object',
      additionalProperties: false,
      default: defaults.processes,
      properties: {
        pids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 1024, default: [] },
        uids: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 1024, default: [] },
        comms: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 15 }, maxItems: 1024, default: [] },
        exclude_comms: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 15 }, maxItems: 1024, default: [] },
      },
    },
    max_payload_bytes: { type: 'integer', minimum: 1, maximum: 1024 * 1024 * 1024, default: defaults.max_payload_bytes },
    ring_buffer_bytes: { type: 'integer', minimum: 4096, maximum: 1024 * 1024 * 1024, default: defaults.ring_buffer_bytes },
    rescan_interval_ms: { type: 'integer', minimum: 0, maximum: 60000, default: defaults.rescan_interval_ms },
    max_queued_batches: { type: 'integer', minimum: 1, maximum: 65536, default: defaults.max_queued_batches },
    system_events: { type: 'boolean', default: defaults.system_events },
    file_events: { enum: ['marked', 'all', 'none'], default: defaults.file_events },
    file_io_interval_ms: { type: 'integer', minimum: 0, maximum: 3_600_000, default: defaults.file_io_interval_ms },
    file_paths: {
      type: 'object',
      additionalProperties: false,
      default: defaults.file_paths,
      properties: {
        include: { type: 'array', items: { type: 'string', pattern: '^/' }, default: [] },
        exclude: { type: 'array', items: { type: 'string', pattern: '^/' }, default: defaults.file_paths.exclude },
      },
    },
    system_events_delay_ms: { type: 'integer', minimum: 0, maximum: 10_000, default: defaults.system_events_delay_ms },
    plain_http_ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, maxItems: 256, uniqueItems: true, default: defaults.plain_http_ports },
    ai_endpoints: {
      type: 'object',
      additionalProperties: false,
      default: defaults.ai_endpoints,
      properties: {
        hosts: { type: 'array', items: { type: 'string', minLength: 1 }, default: defaults.ai_endpoints.hosts },
        ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, maxItems: 256, default: defaults.ai_endpoints.ports },
      },
    },
  },
};

/** Cross-field rules. */
export function validateConfig(config: EbpfReceiverConfig): void {
  const ring = config.ring_buffer_bytes;
  if ((ring & (ring - 1)) !== 0) throw new Error(`ring_buffer_bytes: must be a power of two (${ring} is not)`);
}
