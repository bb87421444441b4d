// The `console` exporter factory.
import { defineExporter } from '@oisp/core';
import { TYPE, configSchema, createDefaultConfig, type ConsoleExporterConfig } from './config.ts';
import { ConsoleExporter } from './console-exporter.ts';

export const consoleExporterFactory = defineExporter<ConsoleExporterConfig>({
  type: TYPE,
  stability: 'beta',
  configSchema,
  createDefaultConfig,
  capabilities: { mutatesData: false },
  create: (settings, config) => new ConsoleExporter(settings, config),
});
