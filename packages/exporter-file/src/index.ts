// @oisp/exporter-file: the `file` exporter (events -> OISP JSONL with rotation) and the `file`
// receiver (replays such a file). The default export is both factories.
import { fileExporterFactory, fileReceiverFactory } from './factory.ts';

export { fileExporterFactory, fileReceiverFactory } from './factory.ts';
export { FileExporter } from './file-exporter.ts';
export { FileReceiver } from './file-receiver.ts';
export {
  createDefaultExporterConfig,
  createDefaultReceiverConfig,
  exporterConfigSchema,
  receiverConfigSchema,
  type FileExporterConfig,
  type FileReceiverConfig,
  type Pace,
} from './config.ts';
export default [fileExporterFactory, fileReceiverFactory];
