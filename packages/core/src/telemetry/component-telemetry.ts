// The ComponentTelemetry a component is given (see ../telemetry.ts), plus the pipeline's own
// counters for it. accepted/emitted are counted by the service's consume wrappers, never by the
// component; dropped/error/add/gauge are the component's own reports.
import type { Logger } from 'pino';
import type { ComponentKind } from '../component.ts';
import type { ComponentTelemetry } from '../telemetry.ts';
import type { Labels, MetricsRegistry } from './metrics-registry.ts';

/** What one component did, as counted by the pipeline and reported by the component. */
export interface ComponentCounts {
  id: string;
  kind: ComponentKind;
  /** Events handed to its consume (receivers: none). */
  accepted: number;
  /** Events it passed on to the next consumer (exporters: none). */
  emitted: number;
  dropped: Record<string, number>;
  errors: Record<string, number>;
}

/** Metric names are lower_snake_case; anything else is folded into that shape. */
export function metricName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, '_').toLowerCase();
  return /^[a-z_]/.test(clean) ? clean : `_${clean}`;
}

function describe(detail: unknown): unknown {
  if (detail instanceof Error) return { message: detail.message, stack: detail.stack };
  return detail;
}

export class ComponentTelemetryRecorder implements ComponentTelemetry {
  readonly id: string;
  readonly kind: ComponentKind;
  readonly #logger: Logger;
  readonly #registry: MetricsRegistry;
  #accepted = 0;
  #emitted = 0;
  readonly #dropped = new Map<string, number>();
  readonly #errors = new Map<string, number>();

  constructor(registry: MetricsRegistry, id: string, kind: ComponentKind, logger: Logger) {
    this.id = id;
    this.kind = kind;
    this.#registry = registry;
    this.#logger = logger;
  }

  /** Counted by the pipeline: events given to this component's consume. */
  accepted(count: number): void {
    this.#accepted += count;
  }

  /** Counted by the pipeline: events this component passed on. */
  emitted(count: number): void {
    this.#emitted += count;
  }

  dropped(kind: string, count = 1): void {
    if (!(count > 0)) return;
    this.#dropped.set(kind, (this.#dropped.get(kind) ?? 0) + count);
  }

  error(kind: string, detail?: unknown): void {
    const seen = this.#errors.get(kind) ?? 0;
    this.#errors.set(kind, seen + 1);
    // The first of each kind is logged with its detail; the rest are only counted, so one bad
    // stream cannot flood the log.
    if (seen === 0) this.#logger.debug({ error_kind: kind, detail: describe(detail) }, `first ${kind} error (later ones are only counted)`);
  }

  add(name: string, value = 1, labels?: Record<string, string>): void {
    this.#registry.add(`oisp_${metricName(name)}`, value, this.#labels(labels));
  }

  gauge(name: string, value: number, labels?: Record<string, string>): void {
    this.#registry.set(`oisp_${metricName(name)}`, value, this.#labels(labels));
  }

  #labels(labels: Record<string, string> | undefined): Labels {
    return { ...labels, component: this.id, kind: this.kind };
  }

  /** The current value of one of this component's own counters (see add). */
  counter(name: string, labels?: Record<string, string>): number {
    return this.#registry.value(`oisp_${metricName(name)}`, this.#labels(labels));
  }

  /** The current value of one of this component's own gauges (see gauge). */
  gaugeValue(name: string, labels?: Record<string, string>): number {
    return this.#registry.value(`oisp_${metricName(name)}`, this.#labels(labels));
  }

  droppedCount(kind?: string): number {
    if (kind !== undefined) return this.#dropped.get(kind) ?? 0;
    let total = 0;
    for (const n of this.#dropped.values()) total += n;
    return total;
  }

  errorCount(kind?: string): number {
    if (kind !== undefined) return this.#errors.get(kind) ?? 0;
    let total = 0;
    for (const n of this.#errors.values()) total += n;
    return total;
  }

  counts(): ComponentCounts {
    return {
      id: this.id,
      kind: this.kind,
      accepted: this.#accepted,
      emitted: this.#emitted,
      dropped: Object.fromEntries(this.#dropped),
      errors: Object.fromEntries(this.#errors),
    };
  }
}
