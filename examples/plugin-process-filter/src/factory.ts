// The `process_filter` processor factory.
import { defineProcessor } from '@oisp/core';
import { TYPE, configSchema, createDefaultConfig, validateConfig, type ProcessFilterConfig } from './config.ts';
import { ProcessFilter } from './process-filter.ts';

export const processFilterFactory = defineProcessor<ProcessFilterConfig>({
  type: TYPE,
  stability: 'alpha',
  configSchema,
  createDefaultConfig,
  validate: validateConfig,
  // Tagged events are new objects; the events it is given are never changed.
  capabilities: { mutatesData: false },
  create: (settings, config, next) => new ProcessFilter(settings, config, next),
});
