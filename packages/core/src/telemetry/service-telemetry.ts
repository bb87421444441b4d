// All of one collector's self-telemetry: a recorder per component and the registry of the
// components' own metrics. The Prometheus exposition and the shutdown summary read from here.
import type { Logger } from 'pino';
import type { ComponentKind } from '../component.ts';
import { ComponentTelemetryRecorder } from './component-telemetry.ts';
import { MetricsRegistry } from './metrics-registry.ts';

export class ServiceTelemetry {
  readonly registry = new MetricsRegistry();
  readonly #components = new Map<string, ComponentTelemetryRecorder>();

  /** The recorder of one component (kind and id together name it: a receiver and an exporter may share an id). */
  component(id: string, kind: ComponentKind, logger: Logger): ComponentTelemetryRecorder {
    const key = `${kind}:${id}`;
    let recorder = this.#components.get(key);
    if (!recorder) {
      recorder = new ComponentTelemetryRecorder(this.registry, id, kind, logger);
      this.#components.set(key, recorder);
    }
    return recorder;
  }

  get(kind: ComponentKind, id: string): ComponentTelemetryRecorder | undefined {
    return this.#components.get(`${kind}:${id}`);
  }

  components(): ComponentTelemetryRecorder[] {
    return [...this.#components.values()];
  }
}
