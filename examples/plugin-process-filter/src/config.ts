// Config of the `process_filter` processor: type, JSON schema (ajv fills defaults), defaults.
import type { JsonSchema } from '@oisp/core';

export const TYPE = 'process_filter';

export interface ProcessFilterConfig {
  /** Globs on process name (or exe path when the glob holds a `/`); empty: every process. */
  include: string[];
  /** Globs; a process matching one is never selected. Applied after include. */
  exclude: string[];
  /** drop: events of processes not selected are dropped. tag: every event passes. */
  action: 'drop' | 'tag';
  /** Added to `attrs` of every selected event (existing keys are overwritten). */
  tag: Record<string, string>;
}

export function createDefaultConfig(): ProcessFilterConfig {
  return { include: [], exclude: [], action: 'drop', tag: {} };
}

const globs: JsonSchema = { type: 'array', items: { type: 'string', minLength: 1 }, default: [] };

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    include: { ...globs, description: 'Process name or exe globs to select; empty: all.' },
    exclude: { ...globs, description: 'Process name or exe globs never selected.' },
    action: { enum: ['drop', 'tag'], default: 'drop', description: 'drop the events of processes not selected, or only tag the selected.' },
    tag: {
      type: 'object',
      additionalProperties: { type: 'string' },
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' },
      default: {},
      description: 'attrs added to the selected events.',
    },
  },
};

export function validateConfig(config: ProcessFilterConfig): void {
  if (config.action === 'tag' && Object.keys(config.tag).length === 0) {
    throw new Error('tag: action "tag" needs at least one key: value to add');
  }
}
