// Prometheus text exposition (format 0.0.4) of a collector's self-telemetry.
import type { ServiceTelemetry } from './service-telemetry.ts';
import type { Labels } from './metrics-registry.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

class Exposition {
  readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Labels, number]>): void {
    if (samples.length === 0) return;
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
  }
}

/** The whole exposition: pipeline counters per component, the components' own metrics, the process. */
export function renderPrometheus(telemetry: ServiceTelemetry): string {
  const out = new Exposition();
  const components = telemetry.components().map((r) => r.counts());
  const base = (c: { id: string; kind: string }): Labels => ({ component: c.id, kind: c.kind });

  out.family(
    'oisp_component_accepted_events_total',
    'counter',
    'Events handed to the component by the pipeline.',
    components.filter((c) => c.kind !== 'receiver').map((c) => [base(c), c.accepted]),
  );
  out.family(
    'oisp_component_emitted_events_total',
    'counter',
    'Events the component passed on.',
    components.filter((c) => c.kind !== 'exporter').map((c) => [base(c), c.emitted]),
  );
  out.family(
    'oisp_component_dropped_events_total',
    'counter',
    'Events the component dropped, by reason.',
    components.flatMap((c) => Object.entries(c.dropped).map(([reason, n]): [Labels, number] => [{ ...base(c), reason }, n])),
  );
  out.family(
    'oisp_component_errors_total',
    'counter',
    'Problems the component counted, by kind (bad input, failed consume, ...).',
    components.flatMap((c) => Object.entries(c.errors).map(([error, n]): [Labels, number] => [{ ...base(c), error }, n])),
  );

  for (const metric of telemetry.registry.metrics()) {
    const name = metric.type === 'counter' && !metric.name.endsWith('_total') ? `${metric.name}_total` : metric.name;
    out.family(name, metric.type, `${metric.name}: reported by a component (labels say which) or by the service.`, [...metric.series.values()].map((s) => [s.labels, s.value]));
  }

  const cpu = process.cpuUsage();
  out.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', [[{}, (cpu.user + cpu.system) / 1e6]]);
  out.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [[{}, process.memoryUsage.rss()]]);
  out.family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', [
    [{}, Math.round((performance.timeOrigin) / 1000)],
  ]);
  return `${out.lines.join('\n')}\n`;
}
