// The `file` receiver: replays an OISP JSONL file (what the file exporter writes) into the pipeline.
// It streams the file a chunk at a time, parses each line with parseEvent (capture.data's base64
// bytes become bytes again), and hands on batches of `batch_size`, awaiting each (backpressure).
// A bad line is logged with `path:line: reason`, counted, and skipped. At the end of the file it
// reports done, so the collector drains and exits. Shutdown mid-replay stops at a line boundary:
// events already parsed are handed on and awaited, nothing is half-sent.
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEvent, type Batch, type ComponentSettings, type Consumer, type Host, type OispEvent, type Receiver } from '@oisp/core';
import type { FileReceiverConfig } from './config.ts';
import { readLines } from './internal/line-reader.ts';
import { Pacer, type Clock } from './internal/pacer.ts';

/** Seams for tests of pace: the clock and the sleep the pacer uses. */
export interface FileReceiverTiming {
  clock?: Clock;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class FileReceiver implements Receiver {
  readonly path: string;
  readonly #settings: ComponentSettings;
  readonly #config: FileReceiverConfig;
  readonly #next: Consumer;
  readonly #timing: FileReceiverTiming;
  readonly #abort = new AbortController();
  #starting: Promise<void> | undefined;
  #running: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  /** Lines reported bad so far. */
  badLines = 0;

  constructor(settings: ComponentSettings, config: FileReceiverConfig, next: Consumer, timing: FileReceiverTiming = {}) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#timing = timing;
    this.path = resolve(settings.configDir, config.path);
  }

  start(host: Host): Promise<void> {
    this.#starting ??= this.#start(host);
    return this.#starting;
  }

  async #start(host: Host): Promise<void> {
    let handle: FileHandle;
    let size: number;
    try {
      handle = await open(this.path, 'r');
      const stat = await handle.stat();
      if (!stat.isFile()) {
        await handle.close();
        throw new Error('not a regular file');
      }
      size = stat.size;
    } catch (err) {
      throw new Error(`path: cannot replay ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    if (this.#abort.signal.aborted) {
      await handle.close();
      return;
    }
    this.#settings.logger.debug({ path: this.path, pace: this.#config.pace }, 'replaying');
    this.#running = this.#replay(handle, size, host);
  }

  /**
   * Replays the file as it was at start (`size` bytes): what is appended meanwhile is not read
   * (follow: false), so a pipeline whose file exporter writes the same file still ends.
   */
  async #replay(handle: FileHandle, size: number, host: Host): Promise<void> {
    const { batch_size: batchSize, max_line_bytes: maxLineBytes } = this.#config;
    const pacer = this.#config.pace === 'recorded' ? new Pacer(this.#config.speed, this.#timing.clock) : undefined;
    const stop = this.#abort.signal;
    let batch: Batch = [];
    let finished = false;
    try {
      replay: for await (const chunk of readLines(handle, { maxLineBytes, end: size })) {
        if (stop.aborted) break;
        if ('tooLong' in chunk) {
          this.#badLine(chunk.line, `line of ${chunk.bytes}+ bytes is longer than max_line_bytes (${maxLineBytes})`);
          continue;
        }
        this.#settings.telemetry.add('file_bytes_read', chunk.bytes);
        let lineNo = chunk.firstLine;
        for (const text of chunk.lines) {
          const line = lineNo++;
          if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) continue;
          let event: OispEvent;
          try {
            event = parseEvent(text);
          } catch (err) {
            this.#badLine(line, (err as Error).message);
            continue;
          }
          if (pacer) {
            const wait = pacer.delayFor(event.ts);
            if (wait > 0) {
              // What is due now goes out before the pause, not after it.
              if (batch.length > 0) await this.#emit(batch.splice(0));
              if (stop.aborted || !(await this.#sleep(wait, stop))) {
                batch.push(event); // parsed whole: handed on below, like the rest
                break replay;
              }
            }
          }
          batch.push(event);
          if (batch.length >= batchSize) {
            await this.#emit(batch);
            batch = [];
            if (stop.aborted) break replay;
          }
        }
      }
      finished = !stop.aborted;
    } catch (err) {
      this.#settings.telemetry.error('read_failed', err);
      host.reportFatalError(new Error(`path: reading ${this.path} failed: ${(err as Error).message}`, { cause: err }));
    } finally {
      if (batch.length > 0) await this.#emit(batch);
      await handle.close().catch(() => {});
    }
    if (finished) {
      this.#settings.logger.debug({ path: this.path, bad_lines: this.badLines }, 'replay done');
      host.reportDone();
    }
  }

  async #emit(batch: Batch): Promise<void> {
    try {
      await this.#next.consume(batch);
    } catch (err) {
      // The service's consumers never reject; a bare consumer might. Count it and go on.
      this.#settings.telemetry.error('consume_failed', err);
      this.#settings.telemetry.dropped('consume_failed', batch.length);
    }
  }

  /** Sleeps; false when shutdown cut the sleep short. */
  async #sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      if (this.#timing.sleep) await this.#timing.sleep(ms, signal);
      else await sleep(ms, undefined, { signal });
      return !signal.aborted;
    } catch {
      return false;
    }
  }

  #badLine(line: number, reason: string): void {
    this.badLines++;
    this.#settings.telemetry.error('bad_line', { line, reason });
    this.#settings.logger.warn({ path: this.path, line }, `${this.path}:${line}: ${reason}`);
  }

  /** Stops at the next line boundary, hands on what was parsed, and waits for it. Idempotent. */
  shutdown(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#abort.abort();
      await this.#starting?.catch(() => {});
      await this.#running;
    })();
    return this.#stopping;
  }
}
