// Config of the `agent` processor: type, JSON schema (ajv fills defaults), defaults.
import type { JsonSchema } from '@oisp/core';

export const TYPE = 'agent';

export interface AgentProcessorConfig {
  /** A session with no model call, tool or process activity for this long (event time) ends. */
  session_idle_ms: number;
  /** A tool call whose result never comes stops collecting events after this long (event time). */
  tool_window_ms: number;
  /** Sessions tracked at once; beyond it the least recently active one ends (counted). */
  max_sessions: number;
  /** Processes remembered for the process tree; beyond it the oldest exited ones are forgotten. */
  max_processes: number;
}

export function createDefaultConfig(): AgentProcessorConfig {
  return { session_idle_ms: 5 * 60 * 1000, tool_window_ms: 10 * 60 * 1000, max_sessions: 10_000, max_processes: 100_000 };
}

const defaults = createDefaultConfig();

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    session_idle_ms: { type: 'integer', minimum: 1, default: defaults.session_idle_ms, description: 'Idle time (event time) after which a session ends.' },
    tool_window_ms: { type: 'integer', minimum: 1, default: defaults.tool_window_ms, description: 'How long a tool call without a result collects events.' },
    max_sessions: { type: 'integer', minimum: 1, default: defaults.max_sessions },
    max_processes: { type: 'integer', minimum: 16, default: defaults.max_processes },
  },
};

export function validateConfig(config: AgentProcessorConfig): void {
  if (config.tool_window_ms > config.session_idle_ms * 10) {
    throw new Error(`tool_window_ms: ${config.tool_window_ms} is more than ten times session_idle_ms (${config.session_idle_ms}); a session would end long before its tools`);
  }
}
