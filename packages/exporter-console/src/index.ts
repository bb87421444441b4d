// @oisp/exporter-console: a live, human view of AI calls and the tools they ran.
import { consoleExporterFactory } from './factory.ts';

export { ConsoleExporter } from './console-exporter.ts';
export { createDefaultConfig, configSchema, type ConsoleExporterConfig } from './config.ts';
export default consoleExporterFactory;
