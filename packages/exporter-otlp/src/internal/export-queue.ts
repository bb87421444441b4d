// Batches waiting to be sent, oldest first, bounded in count and bytes (the oldest dropped and
// counted beyond either). With a directory, each batch is a file written (and synced) before it
// is accepted and removed once delivered: after a crash or restart every accepted batch is sent
// again — at least once.
import fs from 'node:fs';
import path from 'node:path';

export interface QueuedBatch {
  seq: number;
  body: Uint8Array;
  spans: number;
  /** Loaded from disk at start: it may already have been delivered before a crash. */
  recovered?: boolean;
  /** Being sent right now: never the one dropped to make room (it may be arriving as we speak). */
  inFlight?: boolean;
}

export interface QueueBounds {
  maxBatches: number;
  maxBytes: number;
}

const SUFFIX = '.otlp';

/** The span count travels in the file name, so a recovered batch can be counted without decoding it. */
function fileName(seq: number, spans: number): string {
  return `${seq.toString().padStart(16, '0')}-${spans}${SUFFIX}`;
}

export class ExportQueue {
  readonly #items: QueuedBatch[] = [];
  readonly #bounds: QueueBounds;
  readonly #dir?: string;
  #bytes = 0;
  #seq = 0;
  /** Called with each batch dropped to make room. */
  readonly #onDrop: (batch: QueuedBatch) => void;

  constructor(bounds: QueueBounds, dir: string | undefined, onDrop: (batch: QueuedBatch) => void) {
    this.#bounds = bounds;
    this.#dir = dir;
    this.#onDrop = onDrop;
    if (dir) this.#recover(dir);
  }

  get length(): number {
    return this.#items.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Batches found on disk at start, for the telemetry. */
  readonly recovered: { batches: number; spans: number } = { batches: 0, spans: 0 };

  #recover(dir: string): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of fs.readdirSync(dir).sort()) {
      const m = /^(\d{16})-(\d+)\.otlp$/.exec(name);
      if (!m) {
        if (name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true }); // never accepted: its write did not finish
        continue;
      }
      const body = new Uint8Array(fs.readFileSync(path.join(dir, name)));
      const batch: QueuedBatch = { seq: Number(m[1]), body, spans: Number(m[2]), recovered: true };
      this.#items.push(batch);
      this.#bytes += body.length;
      this.#seq = Math.max(this.#seq, batch.seq + 1);
      this.recovered.batches++;
      this.recovered.spans += batch.spans;
    }
  }

  push(body: Uint8Array, spans: number): void {
    const batch: QueuedBatch = { seq: this.#seq++, body, spans };
    if (this.#dir) {
      const file = path.join(this.#dir, fileName(batch.seq, spans));
      const tmp = `${file}.tmp`;
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        fs.writeSync(fd, body);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    }
    this.#items.push(batch);
    this.#bytes += body.length;
    while (this.#items.length > 1 && (this.#items.length > this.#bounds.maxBatches || this.#bytes > this.#bounds.maxBytes)) {
      const i = this.#items.findIndex((b) => !b.inFlight);
      if (i < 0 || this.#items[i] === batch) break;
      const [dropped] = this.#items.splice(i, 1);
      this.#forget(dropped);
      this.#onDrop(dropped);
    }
  }

  peek(): QueuedBatch | undefined {
    return this.#items[0];
  }

  /** The batch is done with (delivered, or given up on): it leaves memory and disk. */
  remove(batch: QueuedBatch): void {
    const i = this.#items.indexOf(batch);
    if (i < 0) return; // already dropped to make room
    this.#items.splice(i, 1);
    this.#forget(batch);
  }

  #forget(batch: QueuedBatch): void {
    this.#bytes -= batch.body.length;
    if (this.#dir) fs.rmSync(path.join(this.#dir, fileName(batch.seq, batch.spans)), { force: true });
  }
}
