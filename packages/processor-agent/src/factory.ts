// The `agent` processor factory.
import { defineProcessor } from '@oisp/core';
import { TYPE, configSchema, createDefaultConfig, validateConfig, type AgentProcessorConfig } from './config.ts';
import { AgentProcessor } from './agent-processor.ts';

export const agentProcessorFactory = defineProcessor<AgentProcessorConfig>({
  type: TYPE,
  stability: 'beta',
  configSchema,
  createDefaultConfig,
  validate: validateConfig,
  // It sets trace_context on the events it passes on.
  capabilities: { mutatesData: true },
  create: (settings, config, next) => new AgentProcessor(settings, config, next),
});
