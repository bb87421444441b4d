// Pace `recorded`: how long to wait before handing on an event so that events come out spaced as
// their `ts` were (divided by `speed`). Times are measured from the first event and from the
// moment the replay began, so a slow pipeline never makes the replay drift further behind.
import { parseTimestamp } from '@oisp/core';

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
}

export class Pacer {
  readonly #speed: number;
  readonly #clock: Clock;
  #firstNs: bigint | undefined;
  #startMs = 0;

  constructor(speed: number, clock: Clock = performance) {
    this.#speed = speed;
    this.#clock = clock;
  }

  /** Milliseconds to wait before the event with this `ts` is due (0 when due or not a timestamp). */
  delayFor(ts: string): number {
    let ns: bigint;
    try {
      ns = parseTimestamp(ts);
    } catch {
      return 0;
    }
    if (this.#firstNs === undefined) {
      this.#firstNs = ns;
      this.#startMs = this.#clock.now();
      return 0;
    }
    const offsetMs = Number(ns - this.#firstNs) / 1e6 / this.#speed;
    return Math.max(0, this.#startMs + offsetMs - this.#clock.now());
  }
}
