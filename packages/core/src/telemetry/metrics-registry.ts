// Custom counters and gauges of components, keyed by metric name and label set. The per-component
// pipeline counters (accepted, emitted, dropped, errors) live in ComponentTelemetryRecorder as plain
// numbers because they sit on the hot path; this registry holds what components add themselves.

export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'counter' | 'gauge';

export interface Series {
  labels: Labels;
  value: number;
}

export interface Metric {
  name: string;
  type: MetricType;
  series: Map<string, Series>;
}

/** A stable key for a label set: the same labels in any order give the same key. */
export function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  let key = '';
  for (const k of keys) key += `${k}\u0000${labels[k]}\u0001`;
  return key;
}

export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();

  #series(name: string, type: MetricType, labels: Labels | undefined): Series {
    let metric = this.#metrics.get(name);
    if (!metric) {
      metric = { name, type, series: new Map() };
      this.#metrics.set(name, metric);
    } else if (metric.type !== type) {
      throw new Error(`metric ${name} is a ${metric.type}, not a ${type}`);
    }
    const key = labelKey(labels);
    let series = metric.series.get(key);
    if (!series) {
      series = { labels: { ...labels }, value: 0 };
      metric.series.set(key, series);
    }
    return series;
  }

  /** Adds to a monotonic counter; negative values are ignored (counters never go down). */
  add(name: string, value: number, labels?: Labels): void {
    if (!(value > 0)) return;
    this.#series(name, 'counter', labels).value += value;
  }

  set(name: string, value: number, labels?: Labels): void {
    this.#series(name, 'gauge', labels).value = value;
  }

  /** The current value of one series (0 when it was never written). */
  value(name: string, labels?: Labels): number {
    return this.#metrics.get(name)?.series.get(labelKey(labels))?.value ?? 0;
  }

  metrics(): Metric[] {
    return [...this.#metrics.values()];
  }
}
