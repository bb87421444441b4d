// print-config --redacted: values whose schema says `"x-secret": true` are shown as [redacted].
import type { JsonSchema } from '../component.ts';
import type { CollectorConfig, FactoryLookup } from './types.ts';
import { SECTIONS } from './load.ts';
import { componentType } from './types.ts';
import { isPlainObject } from './merge.ts';

export const REDACTED = '[redacted]';

function redactBySchema(value: unknown, schema: JsonSchema | undefined): unknown {
  if (!schema || value === undefined || value === null) return value;
  if (schema['x-secret'] === true) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactBySchema(v, schema.items as JsonSchema | undefined));
  if (!isPlainObject(value)) return value;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const additional = typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as JsonSchema) : undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactBySchema(v, properties[k] ?? additional);
  return out;
}

export function redactConfig(config: CollectorConfig, factories: FactoryLookup): CollectorConfig {
  const out = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  for (const [section, kind] of Object.entries(SECTIONS)) {
    for (const [id, value] of Object.entries(out[section] ?? {})) {
      out[section][id] = redactBySchema(value, factories.get(kind, componentType(id))?.configSchema);
    }
  }
  return out as unknown as CollectorConfig;
}
