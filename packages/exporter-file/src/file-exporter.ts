// The `file` exporter: events -> OISP JSONL (one serializeEvent line per event), appended to a file
// that rotates by size. A batch is serialized into one buffer; buffers wait in a bounded queue and
// one writer appends whatever is queued with a single write, so serializing the next batch overlaps
// the disk. consume resolves once its batch is queued; when the queue is full it waits (backpressure).
// Write failures are counted and logged, never thrown: the pipeline goes on, the events are dropped.
import { resolve } from 'node:path';
import type { Batch, ComponentSettings, Exporter, Host } from '@oisp/core';
import type { FileExporterConfig } from './config.ts';
import { eventLine } from './internal/event-line.ts';
import { EventTypeFilter } from './internal/event-type-filter.ts';
import { AppendError, RotatingFile } from './internal/rotating-file.ts';

/** Bytes serialized but not yet written beyond which consume waits. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** At most this much is joined into one write. */
const MAX_WRITE_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

interface Chunk {
  buffer: Buffer;
  events: number;
}

export class FileExporter implements Exporter {
  readonly path: string;
  readonly #settings: ComponentSettings;
  readonly #filter: EventTypeFilter;
  readonly #file: RotatingFile;
  readonly #queue: Chunk[] = [];
  #queuedBytes = 0;
  #writing: Promise<void> | undefined;
  /** Resolved (and replaced) each time the writer frees queue space. */
  #spaceFreed: { promise: Promise<void>; resolve: () => void } | undefined;
  #stopping: Promise<void> | undefined;
  #failures = 0;

  constructor(settings: ComponentSettings, config: FileExporterConfig) {
    this.#settings = settings;
    this.path = resolve(settings.configDir, config.path);
    this.#filter = new EventTypeFilter(config.include, config.exclude, config.include_internal);
    this.#file = new RotatingFile({ path: this.path, maxBytes: Math.floor(config.max_megabytes * 1024 * 1024), maxBackups: config.max_backups });
  }

  async start(_host: Host): Promise<void> {
    try {
      await this.#file.open();
      this.#settings.logger.debug({ path: this.path }, 'writing events');
    } catch (err) {
      // Not fatal: the file may become writable; until then each batch is counted as dropped.
      this.#settings.logger.error({ err, path: this.path }, `path: cannot open ${this.path} (${(err as Error).message}); events are dropped until it can be written`);
    }
  }

  async consume(batch: Batch): Promise<void> {
    if (this.#stopping) {
      this.#settings.telemetry.dropped('shutdown', batch.length);
      return;
    }
    let text = '';
    let events = 0;
    let internal = 0;
    let filtered = 0;
    const keepsAll = this.#filter.keepsAll;
    for (const event of batch) {
      if (!keepsAll) {
        const verdict = this.#filter.verdict(event.event_type);
        if (verdict !== 'keep') {
          if (verdict === 'internal') internal++;
          else filtered++;
          continue;
        }
      }
      text += eventLine(event) + '\n';
      events++;
    }
    if (internal) this.#settings.telemetry.dropped('internal', internal);
    if (filtered) this.#settings.telemetry.dropped('filtered', filtered);
    if (events === 0) return;
    const buffer = Buffer.from(text);
    this.#queue.push({ buffer, events });
    this.#queuedBytes += buffer.length;
    this.#writing ??= this.#drain();
    while (this.#queuedBytes > MAX_QUEUED_BYTES && this.#writing) await this.#whenSpaceFreed();
  }

  #whenSpaceFreed(): Promise<void> {
    if (!this.#spaceFreed) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#spaceFreed = { promise, resolve };
    }
    return this.#spaceFreed.promise;
  }

  /** The single writer: appends what is queued, in order, until the queue is empty. */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Join small batches into one write; a big one goes alone.
        const parts: Chunk[] = [this.#queue.shift()!];
        let bytes = parts[0].buffer.length;
        while (this.#queue.length > 0 && bytes + this.#queue[0].buffer.length <= MAX_WRITE_BYTES) {
          const next = this.#queue.shift()!;
          parts.push(next);
          bytes += next.buffer.length;
        }
        const buffer = parts.length === 1 ? parts[0].buffer : Buffer.concat(parts.map((p) => p.buffer), bytes);
        const events = parts.reduce((n, p) => n + p.events, 0);
        await this.#append(buffer, events);
        this.#queuedBytes -= bytes;
        this.#settings.telemetry.gauge('file_queue_bytes', this.#queuedBytes);
        const freed = this.#spaceFreed;
        this.#spaceFreed = undefined;
        freed?.resolve();
      }
    } finally {
      this.#writing = undefined;
      const freed = this.#spaceFreed;
      this.#spaceFreed = undefined;
      freed?.resolve();
    }
  }

  async #append(buffer: Buffer, events: number): Promise<void> {
    const rotations = this.#file.rotations;
    try {
      await this.#file.append(buffer);
      this.#settings.telemetry.add('file_bytes_written', buffer.length);
    } catch (err) {
      const written = err instanceof AppendError ? err.bytesWritten : 0;
      const lost = written === 0 ? events : countLines(buffer, written);
      if (written > 0) this.#settings.telemetry.add('file_bytes_written', written);
      const cause = err instanceof AppendError ? err.cause : err;
      this.#settings.telemetry.error('write_failed', cause);
      this.#settings.telemetry.dropped('write_failed', lost);
      // The first failure in full; later ones every 1000th, so a full disk cannot flood the log.
      if (this.#failures++ % 1000 === 0) {
        this.#settings.logger.error(
          { err: cause, path: this.path, events: lost, failures: this.#failures },
          `path: writing ${this.path} failed (${(cause as Error).message}); ${lost} events dropped`,
        );
      }
    } finally {
      if (this.#file.rotations !== rotations) this.#settings.telemetry.add('file_rotations', this.#file.rotations - rotations);
    }
  }

  /** Writes everything queued, fsyncs and closes. Idempotent; safe without start. */
  shutdown(): Promise<void> {
    this.#stopping ??= (async () => {
      while (this.#writing) await this.#writing;
      if (!this.#file.isOpen) return;
      try {
        await this.#file.sync();
      } catch (err) {
        this.#settings.telemetry.error('sync_failed', err);
        this.#settings.logger.error({ err, path: this.path }, `path: fsync of ${this.path} failed`);
      }
      await this.#file.close().catch((err) => this.#settings.telemetry.error('close_failed', err));
    })();
    return this.#stopping;
  }
}

/** Lines (events) in buffer from byte `from` on: what a partial write did not get out. */
function countLines(buffer: Buffer, from: number): number {
  let n = 0;
  for (let i = buffer.indexOf(NEWLINE, from); i !== -1; i = buffer.indexOf(NEWLINE, i + 1)) n++;
  return n;
}
