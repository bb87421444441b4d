// The `file` exporter and `file` receiver factories (one type, two kinds, like the Collector's
// filereceiver / fileexporter pair).
import { defineExporter, defineReceiver } from '@oisp/core';
import {
  TYPE,
  createDefaultExporterConfig,
  createDefaultReceiverConfig,
  exporterConfigSchema,
  receiverConfigSchema,
  validateExporterConfig,
  type FileExporterConfig,
  type FileReceiverConfig,
} from './config.ts';
import { FileExporter } from './file-exporter.ts';
import { FileReceiver } from './file-receiver.ts';

export const fileExporterFactory = defineExporter<FileExporterConfig>({
  type: TYPE,
  stability: 'beta',
  configSchema: exporterConfigSchema,
  createDefaultConfig: createDefaultExporterConfig,
  validate: validateExporterConfig,
  // Events are serialized, never changed.
  capabilities: { mutatesData: false },
  create: (settings, config) => new FileExporter(settings, config),
});

export const fileReceiverFactory = defineReceiver<FileReceiverConfig>({
  type: TYPE,
  stability: 'beta',
  configSchema: receiverConfigSchema,
  createDefaultConfig: createDefaultReceiverConfig,
  create: (settings, config, next) => new FileReceiver(settings, config, next),
});
