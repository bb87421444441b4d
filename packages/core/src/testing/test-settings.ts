// ComponentSettings for a component under test: a silent logger and real, inspectable telemetry.
import { pino } from 'pino';
import type { ComponentKind, ComponentSettings } from '../component.ts';
import type { ComponentTelemetryRecorder } from '../telemetry/component-telemetry.ts';
import { ServiceTelemetry } from '../telemetry/service-telemetry.ts';

export interface TestSettings extends ComponentSettings {
  /** The real recorder: read counts(), droppedCount(kind), errorCount(kind), counter(name), gaugeValue(name). */
  telemetry: ComponentTelemetryRecorder;
}

/**
 * Settings for one component under test. `overrides` may replace the logger (e.g. a pino logger
 * writing to a stream the test reads) or configDir (a temp folder).
 */
export function createTestSettings(
  id = 'test',
  kind: ComponentKind = 'processor',
  overrides: Partial<Omit<ComponentSettings, 'id' | 'kind' | 'telemetry'>> = {},
): TestSettings {
  const logger = (overrides.logger ?? pino({ level: 'silent' })).child({ component: id });
  const telemetry = new ServiceTelemetry().component(id, kind, logger);
  return {
    id,
    kind,
    logger,
    telemetry,
    configDir: overrides.configDir ?? process.cwd(),
    buildInfo: overrides.buildInfo ?? { command: 'oisp-collector', version: '0.0.0-test' },
  };
}
