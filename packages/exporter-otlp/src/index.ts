// @oisp/exporter-otlp: OISP events -> OpenTelemetry GenAI spans over OTLP/HTTP.
import { otlpExporterFactory } from './factory.ts';

export { OtlpExporter } from './otlp-exporter.ts';
export { createDefaultConfig, configSchema, type OtlpExporterConfig } from './config.ts';
export default otlpExporterFactory;
