// A Consumer that keeps what it is given: the `next` of a processor or receiver under test.
// It can be slowed, paused or made to fail, to exercise backpressure and error handling.
import type { Consumer } from '../component.ts';
import type { Batch, OispEvent } from '../event.ts';

export interface SinkOptions {
  /** Wait this long inside every consume before taking the batch. */
  delayMs?: number;
  /** Reject consume: always (true / an Error), or when the function says so (true / an Error) for the n-th call (0-based). */
  fail?: boolean | Error | ((batch: Batch, call: number) => boolean | Error);
}

interface Waiter {
  count: number;
  resolve: () => void;
}

export class SinkConsumer implements Consumer {
  /** Batches taken, in the order their consume finished. */
  readonly batches: Batch[] = [];
  /** Every event taken, in order. */
  readonly events: OispEvent[] = [];
  /** consume calls so far (including failed ones). */
  calls = 0;
  /** consume calls that have not resolved yet, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  readonly #options: SinkOptions;
  #gate: Promise<void> | undefined;
  #openGate: (() => void) | undefined;
  #waiters: Waiter[] = [];

  constructor(options: SinkOptions = {}) {
    this.#options = options;
  }

  async consume(batch: Batch): Promise<void> {
    const call = this.calls++;
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    try {
      if (this.#options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.#options.delayMs));
      while (this.#gate) await this.#gate;
      const fail = typeof this.#options.fail === 'function' ? this.#options.fail(batch, call) : this.#options.fail;
      if (fail) throw fail instanceof Error ? fail : new Error(`sink: consume call ${call} failed on purpose`);
      this.batches.push(batch);
      for (const event of batch) this.events.push(event);
      this.#notify();
    } finally {
      this.inFlight--;
    }
  }

  /** Hold every consume (new and in flight) until resume(): the downstream is stuck. */
  pause(): void {
    if (this.#gate) return;
    this.#gate = new Promise((resolve) => (this.#openGate = resolve));
  }

  resume(): void {
    const open = this.#openGate;
    this.#gate = undefined;
    this.#openGate = undefined;
    open?.();
  }

  /** Resolves once at least `count` events were taken; rejects after timeoutMs. */
  waitForEvents(count: number, timeoutMs = 5000): Promise<OispEvent[]> {
    if (this.events.length >= count) return Promise.resolve(this.events);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`sink: ${this.events.length} events after ${timeoutMs} ms, waiting for ${count}`));
      }, timeoutMs);
      const waiter: Waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.events);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Events of one type, in order. */
  eventsOfType(type: string): OispEvent[] {
    return this.events.filter((e) => e.event_type === type);
  }

  clear(): void {
    this.batches.length = 0;
    this.events.length = 0;
  }

  #notify(): void {
    if (this.#waiters.length === 0) return;
    const ready = this.#waiters.filter((w) => this.events.length >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.events.length < w.count);
    for (const w of ready) w.resolve();
  }
}
