// What the collector did, for the shutdown log line and the CLI's exit status.
import type { ComponentKind } from '../component.ts';
import type { ComponentCounts } from '../telemetry/component-telemetry.ts';

export interface LifecycleError {
  id: string;
  kind: ComponentKind;
  phase: 'start' | 'shutdown' | 'fatal';
  message: string;
}

export interface ServiceSummary {
  /** Receivers, then processors, then exporters. Processor counts add up every pipeline's instance. */
  components: ComponentCounts[];
  /** Events the receivers emitted. */
  eventsIn: number;
  /** Events the exporters took and did not drop. */
  eventsOut: number;
  /** Start, shutdown and fatal errors reported by components. */
  errors: LifecycleError[];
}

function total(counts: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}

function byKind(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => (Object.keys(counts).length === 1 ? kind : `${kind} ${n}`))
    .join(', ');
}

/** Exporter's written = accepted minus what it dropped. */
export function written(c: ComponentCounts): number {
  return Math.max(0, c.accepted - total(c.dropped));
}

export function summarize(components: ComponentCounts[], errors: LifecycleError[]): ServiceSummary {
  let eventsIn = 0;
  let eventsOut = 0;
  for (const c of components) {
    if (c.kind === 'receiver') eventsIn += c.emitted;
    if (c.kind === 'exporter') eventsOut += written(c);
  }
  return { components, eventsIn, eventsOut, errors };
}

/**
 * One line: `oisp-collector: 1000000 events in, 999000 out; file: 999000 written;
 * example_filter: 1000 dropped (filtered)`. Exporters always appear; other components only when
 * they dropped or failed something.
 */
export function formatSummary(summary: ServiceSummary, command = 'oisp-collector'): string {
  const parts = [`${command}: ${summary.eventsIn} events in, ${summary.eventsOut} out`];
  // Exporters first (what was written), then whoever dropped or failed something, in graph order.
  const ordered = [...summary.components.filter((c) => c.kind === 'exporter'), ...summary.components.filter((c) => c.kind !== 'exporter')];
  const lines: Array<{ c: ComponentCounts; items: string[] }> = [];
  for (const c of ordered) {
    const items: string[] = [];
    if (c.kind === 'exporter') items.push(`${written(c)} written`);
    const dropped = total(c.dropped);
    if (dropped > 0) items.push(`${dropped} dropped (${byKind(c.dropped)})`);
    const errors = total(c.errors);
    if (errors > 0) items.push(`${errors} error${errors === 1 ? '' : 's'} (${byKind(c.errors)})`);
    if (items.length > 0) lines.push({ c, items });
  }
  // A `file` receiver and a `file` exporter may both be listed: then the kind says which.
  const shown = new Map<string, number>();
  for (const { c } of lines) shown.set(c.id, (shown.get(c.id) ?? 0) + 1);
  for (const { c, items } of lines) parts.push(`${(shown.get(c.id) ?? 0) > 1 ? `${c.kind} ${c.id}` : c.id}: ${items.join(', ')}`);
  const lifecycle = summary.errors.length;
  if (lifecycle > 0) {
    parts.push(`${lifecycle} component error${lifecycle === 1 ? '' : 's'}: ${summary.errors.map((e) => `${e.kind} ${e.id} ${e.phase}: ${e.message}`).join(' | ')}`);
  }
  return parts.join('; ');
}
