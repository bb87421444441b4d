// The `providers` processor factory.
import { defineProcessor } from '@oisp/core';
import { TYPE, configSchema, createDefaultConfig, validateConfig, type ProvidersProcessorConfig } from './config.ts';
import { ProvidersProcessor } from './providers-processor.ts';

export const providersProcessorFactory = defineProcessor<ProvidersProcessorConfig>({
  type: TYPE,
  stability: 'beta',
  configSchema,
  createDefaultConfig,
  validate: validateConfig,
  // http.* are read, never changed: the ai.* events are new objects.
  capabilities: { mutatesData: false },
  create: (settings, config, next) => new ProvidersProcessor(settings, config, next),
});
