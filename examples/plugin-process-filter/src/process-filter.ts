// The `process_filter` processor. An event is *selected* when its process matches `include` (or
// include is empty) and matches no `exclude`. Selected events get `tag` in their attrs; with
// action `drop` the others are dropped (counted as `filtered`), with `tag` they pass untouched.
// Events without a process (none of the built-in types, but plugins may make some) always pass.
// Input events are never changed: a tagged event is a new object.
import type { Batch, ComponentSettings, Consumer, Host, OispEvent, Processor } from '@oisp/core';
import type { ProcessFilterConfig } from './config.ts';
import { compilePattern, matchesAny, type ProcessPattern } from './internal/process-glob.ts';

export class ProcessFilter implements Processor {
  readonly #settings: ComponentSettings;
  readonly #next: Consumer;
  readonly #include: ProcessPattern[];
  readonly #exclude: ProcessPattern[];
  readonly #drop: boolean;
  readonly #tag: Record<string, string> | undefined;

  constructor(settings: ComponentSettings, config: ProcessFilterConfig, next: Consumer) {
    this.#settings = settings;
    this.#next = next;
    this.#include = config.include.map(compilePattern);
    this.#exclude = config.exclude.map(compilePattern);
    this.#drop = config.action === 'drop';
    this.#tag = Object.keys(config.tag).length > 0 ? config.tag : undefined;
  }

  async start(_host: Host): Promise<void> {}

  async consume(batch: Batch): Promise<void> {
    const out: OispEvent[] = [];
    let dropped = 0;
    for (const event of batch) {
      if (event.process === undefined) {
        out.push(event);
      } else if (this.#selected(event)) {
        out.push(this.#tag ? { ...event, attrs: { ...event.attrs, ...this.#tag } } : event);
      } else if (this.#drop) {
        dropped++;
      } else {
        out.push(event);
      }
    }
    if (dropped > 0) this.#settings.telemetry.dropped('filtered', dropped);
    if (out.length > 0) await this.#next.consume(out);
  }

  #selected(event: OispEvent): boolean {
    const process = event.process!;
    if (this.#include.length > 0 && !matchesAny(this.#include, process)) return false;
    return !matchesAny(this.#exclude, process);
  }

  /** Holds nothing: there is nothing to drain. */
  async shutdown(): Promise<void> {}
}
