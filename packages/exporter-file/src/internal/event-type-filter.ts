// Which event types the exporter writes: include / exclude patterns (an exact type, or a prefix
// ending in `.*`), and the internal types (capture.*, http.*) kept out unless asked for.
import { isInternalEventType } from '@oisp/core';

const PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$|^\*$/;

export function isValidPattern(pattern: string): boolean {
  return PATTERN.test(pattern);
}

function matches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** True when the pattern names (part of) an internal type: `capture.data`, `http.*`, `*`... */
export function isInternalPattern(pattern: string): boolean {
  if (pattern === '*') return false; // "everything" does not ask for internal types on its own
  return isInternalEventType(pattern) || isInternalEventType(pattern.replace(/\*$/, 'x'));
}

export type Verdict = 'keep' | 'internal' | 'filtered';

export class EventTypeFilter {
  readonly #include: string[];
  readonly #exclude: string[];
  readonly #includeInternal: boolean;
  /** Verdicts by type: a batch has few distinct types, so the patterns run once per type. */
  readonly #cache = new Map<string, Verdict>();

  constructor(include: string[], exclude: string[], includeInternal: boolean) {
    this.#include = include;
    this.#exclude = exclude;
    this.#includeInternal = includeInternal;
  }

  /** Everything is kept: the exporter can skip filtering altogether. */
  get keepsAll(): boolean {
    return this.#includeInternal && this.#include.length === 0 && this.#exclude.length === 0;
  }

  verdict(type: string): Verdict {
    let v = this.#cache.get(type);
    if (v === undefined) {
      v = this.#decide(type);
      if (this.#cache.size < 10_000) this.#cache.set(type, v);
    }
    return v;
  }

  #decide(type: string): Verdict {
    if (!this.#includeInternal && isInternalEventType(type)) return 'internal';
    if (this.#include.length > 0 && !this.#include.some((p) => matches(p, type))) return 'filtered';
    if (this.#exclude.some((p) => matches(p, type))) return 'filtered';
    return 'keep';
  }
}
