// The `http` processor: capture.data / capture.close in, http.request / http.response out.
// Other events pass through untouched and in order; capture.* are consumed unless keep_raw.
import type { Batch, CaptureClose, CaptureData, ComponentSettings, Consumer, OispEvent, Processor } from '@oisp/core';
import type { HttpProcessorConfig } from './config.ts';
import { Connection, type ConnectionOptions } from './internal/connection.ts';
import { MemoryAccount } from './internal/memory-account.ts';

/** How often (event time) idle connections are looked for. */
const IDLE_SWEEP_MS = 1000;

export class HttpProcessor implements Processor {
  readonly #settings: ComponentSettings;
  readonly #config: HttpProcessorConfig;
  readonly #next: Consumer;
  readonly #connections = new Map<string, Connection>();
  readonly #memory: MemoryAccount;
  readonly #connOptions: ConnectionOptions;
  #out: OispEvent[] = [];
  #nowMs = 0;
  #lastSweepMs = 0;
  #shutDown = false;

  constructor(settings: ComponentSettings, config: HttpProcessorConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#memory = new MemoryAccount(config.max_buffered_bytes);
    this.#connOptions = {
      maxBodyBytes: config.max_body_bytes,
      maxHeaderBytes: config.max_header_bytes,
      maxReorderBytes: Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor(config.max_buffered_bytes / 16))),
      maxPendingExchanges: 64,
      decodeServerSide: config.decode_server_side,
      memory: this.#memory,
      telemetry: settings.telemetry,
      emit: (event) => this.#out.push(event),
    };
  }

  /** Bytes held right now (heads, bodies, stream events, reorder buffers); never above max_buffered_bytes. */
  get bufferedBytes(): number {
    return this.#memory.held;
  }

  get peakBufferedBytes(): number {
    return this.#memory.peak;
  }

  get openConnections(): number {
    return this.#connections.size;
  }

  async start(): Promise<void> {}

  async consume(batch: Batch): Promise<void> {
    const out = this.process(batch);
    if (out.length > 0) await this.#next.consume(out);
  }

  /** The synchronous core of consume: one batch in, the output batch out. */
  process(batch: Batch): Batch {
    this.#out = [];
    const touched = new Set<Connection>();
    for (const event of batch) {
      const type = event.event_type;
      if (type === 'capture.data') {
        if (this.#config.keep_raw) this.#out.push(event);
        const c = this.#onData(event as OispEvent<'capture.data', CaptureData>);
        if (c) touched.add(c);
      } else if (type === 'capture.close') {
        if (this.#config.keep_raw) this.#out.push(event);
        this.#onClose(event as OispEvent<'capture.close', CaptureClose>);
      } else {
        this.#out.push(event);
      }
    }
    for (const c of touched) this.#guard(c, () => c.flush());
    this.#sweepIdle();
    this.#settings.telemetry.gauge('buffered_bytes', this.#memory.held);
    this.#settings.telemetry.gauge('open_connections', this.#connections.size);
    return this.#out;
  }

  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    // Drain: what is in flight comes out aborted (close-delimited bodies complete).
    this.#out = [];
    for (const c of [...this.#connections.values()]) this.#closeConnection(c, undefined);
    if (this.#out.length > 0) await this.#next.consume(this.#out);
    this.#out = [];
  }

  #onData(event: OispEvent<'capture.data', CaptureData>): Connection | undefined {
    const d = event.data;
    if (!d || !d.conn || typeof d.conn.id !== 'string' || !(d.data instanceof Uint8Array) || !Number.isSafeInteger(d.offset) || d.offset < 0) {
      this.#settings.telemetry.error('bad_capture_event', { event_id: event.event_id });
      return undefined;
    }
    const now = eventTimeMs(event, this.#nowMs);
    if (now > this.#nowMs) this.#nowMs = now;
    let c = this.#connections.get(d.conn.id);
    if (!c) {
      if (this.#connections.size >= this.#config.max_connections) this.#evictOldest();
      c = new Connection(d.conn, now, this.#connOptions);
      this.#connections.set(d.conn.id, c);
    }
    const conn = c;
    this.#guard(conn, () => conn.data(event, now));
    return conn;
  }

  #onClose(event: OispEvent<'capture.close', CaptureClose>): void {
    const id = event.data?.conn?.id;
    const c = id === undefined ? undefined : this.#connections.get(id);
    if (c) this.#closeConnection(c, event);
  }

  #closeConnection(c: Connection, event: OispEvent | undefined): void {
    // Without a close event (idle, evicted, shutdown) the last chunk's event stands in for it.
    const from = event ?? syntheticClose(c, this.#nowMs);
    this.#guard(c, () => c.close(from));
    this.#connections.delete(c.id);
  }

  #evictOldest(): void {
    let oldest: Connection | undefined;
    for (const c of this.#connections.values()) if (!oldest || c.lastActivityMs < oldest.lastActivityMs) oldest = c;
    if (!oldest) return;
    this.#settings.telemetry.add('connections_evicted');
    this.#closeConnection(oldest, undefined);
  }

  #sweepIdle(): void {
    if (this.#nowMs - this.#lastSweepMs < IDLE_SWEEP_MS) return;
    this.#lastSweepMs = this.#nowMs;
    const cutoff = this.#nowMs - this.#config.idle_timeout_ms;
    for (const c of [...this.#connections.values()]) {
      if (c.lastActivityMs < cutoff) {
        this.#settings.telemetry.add('connections_idle_closed');
        this.#closeConnection(c, undefined);
      }
    }
  }

  /** A bug of ours on one connection must not stop the others: count it and drop that connection. */
  #guard(c: Connection, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#settings.telemetry.error('internal_error', { conn: c.id, error: (err as Error).stack ?? String(err) });
      try {
        c.skipped = true;
        c.close(syntheticClose(c, this.#nowMs));
      } catch {
        // already reported
      }
      this.#connections.delete(c.id);
    }
  }
}

function eventTimeMs(event: OispEvent, fallback: number): number {
  const ms = Date.parse(event.ts);
  return Number.isFinite(ms) ? ms : fallback;
}

function syntheticClose(c: Connection, nowMs: number): OispEvent {
  return {
    oisp_version: '0.1',
    event_id: '',
    event_type: 'capture.close',
    ts: new Date(nowMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z'),
    data: { conn: c.conn, reason: 'idle' },
  };
}
