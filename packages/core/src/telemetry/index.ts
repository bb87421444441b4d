// Self-telemetry: the recorders behind ComponentTelemetry, the Prometheus exposition and endpoint.
export { ServiceTelemetry } from './service-telemetry.ts';
export { ComponentTelemetryRecorder, type ComponentCounts } from './component-telemetry.ts';
export { MetricsRegistry, type Labels, type Metric, type MetricType, type Series } from './metrics-registry.ts';
export { renderPrometheus, PROMETHEUS_CONTENT_TYPE } from './prometheus.ts';
export { startMetricsServer, parseListenAddress, type MetricsServer } from './metrics-server.ts';
