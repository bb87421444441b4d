// Config of the `ebpf` receiver: type, JSON schema (ajv fills defaults), defaults.
import type { JsonSchema } from '@oisp/core';

export const TYPE = 'ebpf';

export interface EbpfReceiverConfig {
  /** Capture TLS plaintext with uprobes on OpenSSL. */
  ssl: boolean;
  /** More files to hook (absolute paths): libssl copies or executables that carry OpenSSL. */
  binary_paths: string[];
  /** How often running processes are looked at again for new executables and libraries (0: never). */
  rescan_interval_ms: number;
  /** Batches waiting for the pipeline; beyond it batches are dropped and counted (the gap shows in offsets). */
  max_queued_batches: number;
}

export function createDefaultConfig(): EbpfReceiverConfig {
  return { ssl: true, binary_paths: [], rescan_interval_ms: 500, max_queued_batches: 256 };
}

const defaults = createDefaultConfig();

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ssl: { type: 'boolean', default: defaults.ssl },
    binary_paths: { type: 'array', items: { type: 'string', pattern: '^/' }, default: defaults.binary_paths },
    rescan_interval_ms: { type: 'integer', minimum: 0, maximum: 60000, default: defaults.rescan_interval_ms },
    max_queued_batches: { type: 'integer', minimum: 1, maximum: 65536, default: defaults.max_queued_batches },
  },
};
