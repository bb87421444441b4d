// Config of the `console` exporter: type, JSON schema (ajv fills defaults), defaults.
import type { JsonSchema } from '@oisp/core';

export const TYPE = 'console';

export interface ConsoleExporterConfig {
  /** stdout, stderr, or a file path (appended to). */
  output: string;
  /** Colours: on a terminal (auto), always, or never. */
  color: 'auto' | 'always' | 'never';
  /** calls: one line per model call; tools: and the tools they ran; all: and every process, file and connection inside. */
  verbosity: 'calls' | 'tools' | 'all';
  /** Print a summary of calls, tokens and cost per provider and model at shutdown. */
  summary: boolean;
}

export function createDefaultConfig(): ConsoleExporterConfig {
  return { output: 'stdout', color: 'auto', verbosity: 'tools', summary: true };
}

const d = createDefaultConfig();

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    output: { type: 'string', minLength: 1, default: d.output, description: 'stdout, stderr, or a file path.' },
    color: { enum: ['auto', 'always', 'never'], default: d.color },
    verbosity: { enum: ['calls', 'tools', 'all'], default: d.verbosity },
    summary: { type: 'boolean', default: d.summary },
  },
};
