// The wrappers the service puts around every component: count what goes in and out, and turn an
// exception thrown by a consume into a counted error and a dropped batch instead of a crash.
import type { Logger } from 'pino';
import type { Consumer } from '../component.ts';
import type { Batch } from '../event.ts';
import type { ComponentTelemetryRecorder } from '../telemetry/component-telemetry.ts';

export const CONSUME_FAILED = 'consume_failed';

/** The consumer the pipeline calls for a processor or exporter. Never rejects. */
export class InstrumentedConsumer implements Consumer {
  readonly #inner: Consumer;
  readonly #telemetry: ComponentTelemetryRecorder;
  readonly #logger: Logger;
  #failures = 0;

  constructor(inner: Consumer, telemetry: ComponentTelemetryRecorder, logger: Logger) {
    this.#inner = inner;
    this.#telemetry = telemetry;
    this.#logger = logger;
  }

  async consume(batch: Batch): Promise<void> {
    this.#telemetry.accepted(batch.length);
    try {
      await this.#inner.consume(batch);
    } catch (err) {
      this.#failures++;
      this.#telemetry.error(CONSUME_FAILED, err);
      this.#telemetry.dropped(CONSUME_FAILED, batch.length);
      // The first failure is logged in full; later ones are counted (and summarised at shutdown).
      if (this.#failures === 1) this.#logger.error({ err, events: batch.length }, 'consume failed; batch dropped (later failures are only counted)');
    }
  }
}

/** The `next` a receiver or processor is given: counts what it emits, skips empty batches. */
export class EmittingConsumer implements Consumer {
  readonly #downstream: Consumer;
  readonly #telemetry: ComponentTelemetryRecorder;

  constructor(downstream: Consumer, telemetry: ComponentTelemetryRecorder) {
    this.#downstream = downstream;
    this.#telemetry = telemetry;
  }

  consume(batch: Batch): Promise<void> {
    if (batch.length === 0) return Promise.resolve();
    this.#telemetry.emitted(batch.length);
    return this.#downstream.consume(batch);
  }
}
