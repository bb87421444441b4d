// Building blocks shared by the event schemas. `closed` marks a shape we own: a renamed or unknown
// field is an error (DESIGN.md: "a renamed field fails a test").
import type { JsonSchema } from '../component.ts';

/** An object whose fields we own: only these properties, `required` must be present. */
export function closed(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

export const str: JsonSchema = { type: 'string' };
export const bool: JsonSchema = { type: 'boolean' };
export const int: JsonSchema = { type: 'integer' };
export const count: JsonSchema = { type: 'integer', minimum: 0 };
export const num: JsonSchema = { type: 'number' };
export const nonNegative: JsonSchema = { type: 'number', minimum: 0 };
export const any: JsonSchema = {};
export const openObject: JsonSchema = { type: 'object' };
export const strings: JsonSchema = { type: 'array', items: str };

/** A 64-bit kernel value as a decimal string (ns timestamps, inodes, cgroup ids). */
export const u64: JsonSchema = { type: 'string', pattern: '^[0-9]+$' };
/** A pointer: decimal or 0x-hex string. */
export const pointer: JsonSchema = { type: 'string', pattern: '^([0-9]+|0x[0-9a-fA-F]+)$' };
/** RFC 3339, UTC or offset, up to nanoseconds. */
export const timestamp: JsonSchema = {
  type: 'string',
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$',
};
export const port: JsonSchema = { type: 'integer', minimum: 0, maximum: 65535 };
export const address: JsonSchema = closed({ ip: str, port }, ['ip', 'port']);

/**
 * Bytes: a Uint8Array in memory, a base64 string in JSON. `x-oisp-bytes` is checked by our ajv
 * keyword; contentEncoding tells other readers of the schema what the string holds.
 */
export const bytes: JsonSchema = { contentEncoding: 'base64', 'x-oisp-bytes': true };

export function enumOf(...values: string[]): JsonSchema {
  return { type: 'string', enum: values };
}

export function arrayOf(items: JsonSchema): JsonSchema {
  return { type: 'array', items };
}
