// The `otlp` exporter factory.
import { defineExporter } from '@oisp/core';
import { TYPE, configSchema, createDefaultConfig, validateConfig, type OtlpExporterConfig } from './config.ts';
import { OtlpExporter } from './otlp-exporter.ts';

export const otlpExporterFactory = defineExporter<OtlpExporterConfig>({
  type: TYPE,
  stability: 'beta',
  configSchema,
  createDefaultConfig,
  validate: validateConfig,
  capabilities: { mutatesData: false },
  create: (settings, config) => new OtlpExporter(settings, config),
});
