// Config of the `ebpf` receiver: type, JSON schema (ajv fills defaults), defaults.
import type { JsonSchema } from '@oisp/core';

export const TYPE = 'ebpf';

export interface EbpfReceiverConfig {
  /** Capture TLS plaintext with uprobes on OpenSSL. */
  ssl: boolean;
  /** More files to hook (absolute paths): libssl copies or executables that carry OpenSSL. */
  binary_paths: string[];
  /** Most plaintext bytes copied per SSL_* call; the rest shows as a gap (bytes_lost). */
  max_payload_bytes: number;
  /** Size of the kernel ring buffer (a power of two); when it is full, records are dropped and counted. */
  ring_buffer_bytes: number;
  /** How often running processes are looked at again for new executables and libraries (0: never). */
  rescan_interval_ms: number;
  /** Batches waiting for the pipeline; beyond it batches are dropped and counted (the gap shows in offsets). */
  max_queued_batches: number;
}

export function createDefaultConfig(): EbpfReceiverConfig {
  return { ssl: true, binary_paths: [], max_payload_bytes: 16 * 1024 * 1024, ring_buffer_bytes: 8 * 1024 * 1024, rescan_interval_ms: 500, max_queued_batches: 256 };
}

const defaults = createDefaultConfig();

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ssl: { type: 'boolean', default: defaults.ssl },
    binary_paths: { type: 'array', items: { type: 'string', pattern: '^/' }, default: defaults.binary_paths },
    max_payload_bytes: { type: 'integer', minimum: 1, maximum: 1024 * 1024 * 1024, default: defaults.max_payload_bytes },
    ring_buffer_bytes: { type: 'integer', minimum: 4096, maximum: 1024 * 1024 * 1024, default: defaults.ring_buffer_bytes },
    rescan_interval_ms: { type: 'integer', minimum: 0, maximum: 60000, default: defaults.rescan_interval_ms },
    max_queued_batches: { type: 'integer', minimum: 1, maximum: 65536, default: defaults.max_queued_batches },
  },
};

/** Cross-field rules. */
export function validateConfig(config: EbpfReceiverConfig): void {
  const ring = config.ring_buffer_bytes;
  if ((ring & (ring - 1)) !== 0) throw new Error(`ring_buffer_bytes: must be a power of two (${ring} is not)`);
}
