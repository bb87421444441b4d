// The `ebpf` receiver: hooks OpenSSL in every file that carries it, and turns the kernel's
// records into capture.data events (bytes, connection, direction, offset, gaps).
import { existsSync, readlinkSync } from 'node:fs';
import {
  createEvent,
  formatTimestamp,
  nowNs,
  type CaptureData,
  type ComponentSettings,
  type Consumer,
  type Host,
  type OispEvent,
  type Receiver,
} from '@oisp/core';
import type { EbpfReceiverConfig } from './config.ts';
import { openCapture, type NativeCapture } from './internal/native.ts';
import { decodeBatch, type TlsDataRecord } from './internal/records.ts';
import { discoverTargets } from './internal/targets.ts';

const PROBES = [
  { symbol: 'SSL_write', program: 'ssl_write_enter', retprobe: false },
  { symbol: 'SSL_write', program: 'ssl_write_exit', retprobe: true },
  { symbol: 'SSL_read', program: 'ssl_read_enter', retprobe: false },
  { symbol: 'SSL_read', program: 'ssl_read_exit', retprobe: true },
  { symbol: 'SSL_write_ex', program: 'ssl_write_ex_enter', retprobe: false },
  { symbol: 'SSL_write_ex', program: 'ssl_write_ex_exit', retprobe: true },
  { symbol: 'SSL_read_ex', program: 'ssl_read_ex_enter', retprobe: false },
  { symbol: 'SSL_read_ex', program: 'ssl_read_ex_exit', retprobe: true },
];

/** What must hold before anything is loaded; each problem says what to do. */
export function preflight(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('ebpf: needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN): run the collector with sudo');
  if (!existsSync('/sys/kernel/btf/vmlinux')) problems.push('ebpf: the kernel has no BTF (/sys/kernel/btf/vmlinux); a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed');
  return problems;
}

export class EbpfReceiver implements Receiver {
  readonly #settings: ComponentSettings;
  readonly #config: EbpfReceiverConfig;
  readonly #next: Consumer;
  #capture: NativeCapture | undefined;
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Next expected offset per connection and direction: a jump is a gap (bytes_lost). */
  readonly #expected = new Map<string, number>();
  readonly #exe = new Map<number, string | undefined>();
  #stopped = false;

  constructor(settings: ComponentSettings, config: EbpfReceiverConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
  }

  async start(_host: Host): Promise<void> {
    const problems = preflight();
    if (problems.length > 0) throw new Error(problems.join('; '));
    if (!this.#config.ssl) return;
    const capture = openCapture();
    this.#capture = capture;
    // The collector speaks TLS itself: its own process is excluded before anything attaches.
    capture.exclude(process.pid);
    const { targets, skipped } = discoverTargets(this.#config.binary_paths, [process.execPath]);
    const log = this.#settings.logger;
    for (const s of skipped) log.debug({ path: s.path, reason: s.reason }, 'not hooked');
    for (const t of targets) {
      const hooked = PROBES.filter((p) => t.symbols?.has(p.symbol));
      for (const p of hooked) capture.attachUprobe(p.program, t.path, p.symbol, p.retprobe);
      log.info({ path: t.path, reason: t.reason, symbols: [...new Set(hooked.map((p) => p.symbol))] }, 'hooked');
    }
    this.#settings.telemetry.gauge('hooked_files', targets.length);
    capture.start((batch) => this.#onBatch(batch));
  }

  #onBatch(batch: Buffer): void {
    if (this.#stopped) return;
    if (this.#queued >= this.#config.max_queued_batches) {
      this.#settings.telemetry.dropped('queue_full');
      return;
    }
    let records: TlsDataRecord[];
    try {
      records = decodeBatch(batch);
    } catch (err) {
      this.#settings.telemetry.error('bad_record', err);
      return;
    }
    const offset = nowNs() - process.hrtime.bigint(); // CLOCK_MONOTONIC -> wall clock, refreshed per batch
    const events = records.map((r) => this.#toEvent(r, offset));
    this.#queued++;
    this.#chain = this.#chain
      .then(() => this.#next.consume(events))
      .catch((err) => this.#settings.telemetry.error('consume_failed', err))
      .finally(() => this.#queued--);
  }

  #toEvent(r: TlsDataRecord, monoToWall: bigint): OispEvent<'capture.data', CaptureData> {
    const ssl = `0x${r.sslPtr.toString(16)}`;
    const id = `${r.pid}:${ssl}:${r.generation}`;
    const key = `${id}:${r.direction}`;
    const expected = this.#expected.get(key) ?? 0;
    this.#expected.set(key, r.offset + r.data.length);
    const data: CaptureData = {
      conn: { id, transport: 'tls', generation: r.generation, pid: r.pid, tid: r.tid, ssl_ptr: ssl },
      direction: r.direction,
      offset: r.offset,
      data: r.data,
    };
    if (r.offset > expected) data.bytes_lost = r.offset - expected;
    return createEvent('capture.data', data, {
      ts: formatTimestamp(r.tsNs + monoToWall),
      ts_mono: r.tsNs.toString(),
      process: { pid: r.pid, tid: r.tid, name: r.comm, exe: this.#exePath(r.pid) },
      source: { collector: this.#settings.buildInfo.command, collector_version: this.#settings.buildInfo.version, capture_method: 'ebpf_uprobe', capture_point: 'openssl' },
    });
  }

  #exePath(pid: number): string | undefined {
    if (!this.#exe.has(pid)) {
      let exe: string | undefined;
      try {
        exe = readlinkSync(`/proc/${pid}/exe`);
      } catch {
        exe = undefined; // the process may already be gone
      }
      this.#exe.set(pid, exe);
    }
    return this.#exe.get(pid);
  }

  /** Kernel-side losses so far: records the ring could not take, bytes that could not be read. */
  drops(): { ring: number; unreadable: number } {
    const [ring, unreadable] = this.#capture?.drops() ?? [0, 0];
    return { ring, unreadable };
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const capture = this.#capture;
    this.#capture = undefined;
    if (capture) {
      const [ring, unreadable] = capture.drops();
      if (ring > 0) this.#settings.telemetry.dropped('ring_full', ring);
      if (unreadable > 0) this.#settings.telemetry.add('unreadable_bytes', unreadable);
      capture.close();
    }
    await this.#chain;
  }
}
