// Hands one batch to several consumers at once and waits for all of them: awaiting the fan-out is
// awaiting the slowest consumer, which is how backpressure reaches the receiver.
import type { Consumer } from '../component.ts';
import type { Batch } from '../event.ts';
import { cloneBatch } from './clone-batch.ts';

export interface FanOutTarget {
  consumer: Consumer;
  /** Give this consumer its own copy (see copy-plan.ts). */
  clone: boolean;
}

export class FanOutConsumer implements Consumer {
  readonly targets: readonly FanOutTarget[];

  constructor(targets: FanOutTarget[]) {
    this.targets = targets;
  }

  consume(batch: Batch): Promise<void> {
    const targets = this.targets;
    if (targets.length === 1) return targets[0].consumer.consume(targets[0].clone ? cloneBatch(batch) : batch);
    // Copies are made before anyone runs, so no consumer sees another's changes.
    const batches = targets.map((t) => (t.clone ? cloneBatch(batch) : batch));
    return Promise.all(targets.map((t, i) => t.consumer.consume(batches[i]))).then(() => undefined);
  }
}
