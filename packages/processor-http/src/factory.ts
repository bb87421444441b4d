// The `http` processor factory.
import { defineProcessor } from '@oisp/core';
import { TYPE, configSchema, createDefaultConfig, validateConfig, type HttpProcessorConfig } from './config.ts';
import { HttpProcessor } from './http-processor.ts';

export const httpProcessorFactory = defineProcessor<HttpProcessorConfig>({
  type: TYPE,
  stability: 'beta',
  configSchema,
  createDefaultConfig,
  validate: validateConfig,
  // Input events are read, never changed: the http.* events are new objects.
  capabilities: { mutatesData: false },
  create: (settings, config, next) => new HttpProcessor(settings, config, next),
});
