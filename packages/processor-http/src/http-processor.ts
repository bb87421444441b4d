// The `http` processor: capture.data / capture.close in, http.request / http.response out.
// Other events pass through untouched and in order; capture.* are consumed unless keep_raw.
import type { Batch, CaptureClose, CaptureData, ComponentSettings, ComponentTelemetry, Consumer, OispEvent, Processor } from '@oisp/core';
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
  /** Counters add up here during a batch and go to telemetry once at its end (the hot path stays cheap). */
  readonly #counters: ComponentTelemetry;
  readonly #pendingCounts = new Map<string, number>();

  constructor(settings: ComponentSettings, config: HttpProcessorConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#memory = new MemoryAccount(config.max_buffered_bytes);
    const telemetry = settings.telemetry;
    this.#counters = {
      add: (name, value = 1, labels) => {
        if (labels) telemetry.add(name, value, labels);
        else this.#pendingCounts.set(name, (this.#pendingCounts.get(name) ?? 0) + value);
      },
      error: (kind, detail) => telemetry.error(kind, detail),
      dropped: (kind, count) => telemetry.dropped(kind, count),
      gauge: (name, value, labels) => telemetry.gauge(name, value, labels),
    };
    this.#connOptions = {
      maxBodyBytes: config.max_body_bytes,
      maxHeaderBytes: config.max_header_bytes,
      maxReorderBytes: Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor(config.max_buffered_bytes / 16))),
      maxPendingExchanges: 64,
      decodeServerSide: config.decode_server_side,
      memory: this.#memory,
      telemetry: this.#counters,
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

  /** Bytes each connection says it holds, summed: equals bufferedBytes unless the accounting is wrong (a test check). */
  heldBytesByConnections(): number {
    let n = 0;
    for (const c of this.#connections.values()) n += c.heldBytes;
    return n;
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
    this.#flushCounts();
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
    this.#flushCounts();
    this.#settings.telemetry.gauge('buffered_bytes', this.#memory.held);
    this.#settings.telemetry.gauge('open_connections', this.#connections.size);
    if (this.#out.length > 0) await this.#next.consume(this.#out);
    this.#out = [];
  }

  #flushCounts(): void {
    for (const [name, value] of this.#pendingCounts) this.#settings.telemetry.add(name, value);
    this.#pendingCounts.clear();
  }

  #onData(event: OispEvent<'capture.data', CaptureData>): Connection | undefined {
    const d = event.data;
    if (!d || !d.conn || typeof d.conn.id !== 'string' || !(d.data instanceof Uint8Array) || !Number.isSafeInteger(d.offset) || d.offset < 0 || (d.direction !== 'egress' && d.direction !== 'ingress')) {
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
    try {
      c.data(event, now);
    } catch (err) {
      this.#guardFailed(c, err); // (inline rather than #guard: no closure per chunk on the hot path)
    }
    return c;
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
    this.#counters.add('connections_evicted');
    this.#closeConnection(oldest, undefined);
  }

  #sweepIdle(): void {
    if (this.#nowMs - this.#lastSweepMs < IDLE_SWEEP_MS) return;
    this.#lastSweepMs = this.#nowMs;
    const cutoff = this.#nowMs - this.#config.idle_timeout_ms;
    for (const c of [...this.#connections.values()]) {
      if (c.lastActivityMs < cutoff) {
        this.#counters.add('connections_idle_closed');
        this.#closeConnection(c, undefined);
      }
    }
  }

  /** A bug of ours on one connection must not stop the others: count it and drop that connection. */
  #guard(c: Connection, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#guardFailed(c, err);
    }
  }

  #guardFailed(c: Connection, err: unknown): void {
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

/** Event time in ms; Date.parse runs once per distinct second (timestamps of a batch share most of it). */
let cachedSecond = '';
let cachedSecondMs = 0;
function eventTimeMs(event: OispEvent, fallback: number): number {
  const ts = event.ts;
  if (typeof ts !== 'string' || ts.length < 20) return fallback;
  if (!ts.startsWith(cachedSecond) || cachedSecond === '') {
    const second = ts.slice(0, 19);
    const ms = Date.parse(`${second}Z`);
    if (!Number.isFinite(ms)) return fallback;
    cachedSecond = second;
    cachedSecondMs = ms;
  }
  const frac = ts.charCodeAt(19) === 46 /* . */ ? Number(ts.slice(20, 23).padEnd(3, '0')) : 0;
  // Only UTC (Z) timestamps take the fast path; others are parsed whole.
  if (ts[ts.length - 1] !== 'Z' || !Number.isFinite(frac)) {
    const ms = Date.parse(ts);
    return Number.isFinite(ms) ? ms : fallback;
  }
  return cachedSecondMs + frac;
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
