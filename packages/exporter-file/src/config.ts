// Config of the `file` exporter and the `file` receiver: types, JSON schemas (ajv fills defaults),
// defaults and cross-field rules.
import type { JsonSchema } from '@oisp/core';
import { isInternalPattern, isValidPattern } from './internal/event-type-filter.ts';

export const TYPE = 'file';

// ---- exporter ----

export interface FileExporterConfig {
  /** The JSONL file; relative to the config file's folder. Appended to; created with mode 0600. */
  path: string;
  /** Rotate when the file would grow past this many MiB (0: never rotate). */
  max_megabytes: number;
  /** Rotated files kept (path.1 newest ... path.N oldest); older ones are removed. 0: keep none. */
  max_backups: number;
  /** Only these event types (exact, or a prefix such as `ai.*`); empty: every type. */
  include: string[];
  /** Never these event types (exact or prefix). Applied after include. */
  exclude: string[];
  /** Write the internal types (`capture.*`, `http.*`) too: raw plaintext, for record/replay pipelines. */
  include_internal: boolean;
}

export function createDefaultExporterConfig(): FileExporterConfig {
  return { path: 'oisp-events.jsonl', max_megabytes: 100, max_backups: 5, include: [], exclude: [], include_internal: false };
}

const exporterDefaults = createDefaultExporterConfig();

const patternList: JsonSchema = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  default: [],
};

export const exporterConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1, default: exporterDefaults.path, description: 'JSONL file, relative to the config file.' },
    max_megabytes: { type: 'number', minimum: 0, default: exporterDefaults.max_megabytes, description: 'Rotate past this size (MiB); 0: never.' },
    max_backups: { type: 'integer', minimum: 0, maximum: 1000, default: exporterDefaults.max_backups, description: 'Rotated files kept.' },
    include: { ...patternList, description: 'Only these event types (exact or `prefix.*`); empty: all.' },
    exclude: { ...patternList, description: 'Never these event types (exact or `prefix.*`).' },
    include_internal: { type: 'boolean', default: exporterDefaults.include_internal, description: 'Also write capture.* and http.* (raw plaintext).' },
  },
};

export function validateExporterConfig(config: FileExporterConfig): void {
  for (const field of ['include', 'exclude'] as const) {
    config[field].forEach((pattern, i) => {
      if (!isValidPattern(pattern)) throw new Error(`${field}::${i}: "${pattern}" is not an event type or a prefix pattern such as "ai.*"`);
    });
  }
  if (!config.include_internal) {
    const internal = config.include.find(isInternalPattern);
    if (internal) throw new Error(`include: "${internal}" is an internal event type (raw plaintext); set include_internal: true to write it on purpose`);
  }
}

// ---- receiver ----

export type Pace = 'full_speed' | 'recorded';

export interface FileReceiverConfig {
  /** The JSONL file to replay; relative to the config file's folder. */
  path: string;
  /** Events per batch handed to the pipeline. */
  batch_size: number;
  /** full_speed: as fast as the pipeline takes them; recorded: spaced as their `ts` were. */
  pace: Pace;
  /** With pace recorded: 2 replays twice as fast, 0.5 at half speed. */
  speed: number;
  /** Lines longer than this are reported as bad and skipped (bounds memory on a file with no newlines). */
  max_line_bytes: number;
  /** Keep reading as the file grows: not supported yet, must be false. */
  follow: false;
}

export function createDefaultReceiverConfig(): FileReceiverConfig {
  return { path: 'oisp-events.jsonl', batch_size: 1000, pace: 'full_speed', speed: 1, max_line_bytes: 64 * 1024 * 1024, follow: false };
}

const receiverDefaults = createDefaultReceiverConfig();

export const receiverConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1, default: receiverDefaults.path, description: 'JSONL file to replay, relative to the config file.' },
    batch_size: { type: 'integer', minimum: 1, maximum: 1_000_000, default: receiverDefaults.batch_size },
    pace: { enum: ['full_speed', 'recorded'], default: receiverDefaults.pace },
    speed: { type: 'number', exclusiveMinimum: 0, default: receiverDefaults.speed, description: 'Multiplier for pace: recorded.' },
    max_line_bytes: { type: 'integer', minimum: 1024, default: receiverDefaults.max_line_bytes },
    follow: { const: false, default: false, description: 'Tailing a growing file is not supported yet.' },
  },
};
