// @oisp/core/testing: what component tests need — settings with inspectable telemetry, a sink
// consumer, a host, example events, and the conformance test every component runs.
export { createTestSettings, type TestSettings } from './test-settings.ts';
export { SinkConsumer, type SinkOptions } from './sink-consumer.ts';
export { testHost, type TestHost } from './test-host.ts';
export { runConformance, foreignBatches, PASSTHROUGH_EVENT_TYPE, type ConformanceOptions } from './conformance.ts';
export { exampleEvent } from '../schema/examples.ts';
export type { ComponentTelemetryRecorder, ComponentCounts } from '../telemetry/component-telemetry.ts';
export { callbackExporter } from './callback-exporter.ts';
export { makeTestCa, makeTestCert } from './test-cert.ts';
export { seededRandom } from './seeded-random.ts';
