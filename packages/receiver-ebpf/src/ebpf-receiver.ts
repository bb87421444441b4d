// The `ebpf` receiver: hooks OpenSSL in every file that carries it, and turns the kernel's
// records into capture.data events (bytes, connection, direction, offset, gaps).
import { existsSync, globSync, readlinkSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import {
  createEvent,
  formatTimestamp,
  nowNs,
  type CaptureClose,
  type CaptureData,
  type ConnInfo,
  type ComponentSettings,
  type Consumer,
  type Host,
  type OispEvent,
  type Receiver,
} from '@oisp/core';
import type { EbpfReceiverConfig } from './config.ts';
import { containerIdOfPid } from './internal/container-id.ts';
import { BPF_OBJECT_PATH, openCapture, SYS_OBJECT_PATH, type NativeCapture } from './internal/native.ts';
import { applyProcessFilter } from './internal/process-filter.ts';
import { decodeSysBatch, REC_EXEC, REC_EXIT, REC_UDP_SEND, type ExecRecord, type SysRecord } from './internal/sys-records.ts';
import { isQuic, QUIC_INVISIBLE, SystemEvents } from './internal/system-events.ts';
import { decodeBatch, REC_TLS_CLOSE, REC_TLS_DATA, REC_TLS_SOCKET, type TlsCloseRecord, type TlsDataRecord, type TlsRecord } from './internal/records.ts';
import { BackgroundDiscovery } from './internal/discovery/background-discovery.ts';
import { knownStructuralFiles } from './internal/discovery/discover.ts';
import { quicFlows } from './internal/udp-flows.ts';
import { discoverTargets, processFiles, structuralTargets, type DiscoveryOptions, type SeenFiles, type Skipped, type Target } from './internal/targets.ts';

/** Where the TLS programs hook (also the floor of bench/tls.ts). */
export const TLS_PROBES = [
  { symbol: 'SSL_write', program: 'ssl_write_enter', retprobe: false },
  { symbol: 'SSL_write', program: 'ssl_write_exit', retprobe: true },
  { symbol: 'SSL_read', program: 'ssl_read_enter', retprobe: false },
  { symbol: 'SSL_read', program: 'ssl_read_exit', retprobe: true },
  { symbol: 'SSL_write_ex', program: 'ssl_write_ex_enter', retprobe: false },
  { symbol: 'SSL_write_ex', program: 'ssl_write_ex_exit', retprobe: true },
  { symbol: 'SSL_read_ex', program: 'ssl_read_ex_enter', retprobe: false },
  { symbol: 'SSL_read_ex', program: 'ssl_read_ex_exit', retprobe: true },
  { symbol: 'SSL_ctrl', program: 'ssl_ctrl_enter', retprobe: false },
  { symbol: 'SSL_free', program: 'ssl_free_enter', retprobe: false },
  { symbol: 'SSL_do_handshake', program: 'ssl_handshake_enter', retprobe: false },
  { symbol: 'SSL_set_tlsext_host_name', program: 'ssl_set_hostname_enter', retprobe: false },
  // rustls, found by structure: its own plaintext functions under names of ours.
  { symbol: 'rustls_buffer_plaintext', program: 'rustls_write_enter', retprobe: false },
  { symbol: 'rustls_buffer_plaintext', program: 'rustls_write_exit', retprobe: true },
  { symbol: 'rustls_reader_read', program: 'rustls_read_enter', retprobe: false },
  { symbol: 'rustls_reader_read', program: 'rustls_read_exit', retprobe: true },
];

/** Connections whose SNI is remembered; the oldest is forgotten past this (SSL_free not seen). */
const MAX_TRACKED_CONNECTIONS = 65536;

/** binary_paths with their globs expanded (a path with no glob characters stands for itself). */
function expandGlobs(patterns: readonly string[]): string[] {
  return patterns.flatMap((p) => (/[*?[{]/.test(p) ? globSync(p) : [p]));
}

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
  /** What /proc says of a process whose exec was not seen (it started before the collector). */
  readonly #procInfo = new Map<number, { exe?: string; container_id?: string }>();
  /** Server name per connection id, from SSL_ctrl(SET_TLSEXT_HOSTNAME). */
  readonly #sni = new Map<string, string>();
  /** The socket under each connection id, once the kernel found it (REC_TLS_SOCKET). */
  readonly #sockets = new Map<string, Pick<ConnInfo, 'fd' | 'local' | 'remote'>>();
  #stopped = false;
  readonly #seenFiles: SeenFiles = new Set();
  readonly #background = new BackgroundDiscovery();
  /** QUIC destinations said so far, by pid (forgotten at the process's exit). */
  readonly #quicSeen = new Map<number, Set<string>>();
  /** QUIC sockets already found in /proc (by inode): a rescan does not look for their process again. */
  readonly #quicSockets = new Set<number>();
  #rescan: NodeJS.Timeout | undefined;
  /** Each hooked file as its processes see it, by the cookie its probes carry (1, 2, ...). */
  readonly #libs: string[] = [''];
  /** The TLS stack each hooked file carries, by the same cookie: the events' source.capture_point. */
  readonly #stacks: string[] = ['openssl'];
  /** Process, file and network events: bpf/sys.bpf.c, its own object and ring. */
  #sys: NativeCapture | undefined;
  readonly #system: SystemEvents;
  readonly #aiHosts: RegExp[];
  readonly #marked = new Set<number>();
  /** Opens the kernel left out per filter, as last read (enum oisp_suppressed): counters grow by the difference. */
  #suppressed = [0, 0];
  #counters: NodeJS.Timeout | undefined;
  /** System-event batches waiting out system_events_delay_ms, in order (handed on at once at shutdown). */
  readonly #delayed = new Map<NodeJS.Timeout, () => void>();

  constructor(settings: ComponentSettings, config: EbpfReceiverConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    const { include, exclude } = config.file_paths;
    this.#system = new SystemEvents({
      source: { collector: settings.buildInfo.command, collector_version: settings.buildInfo.version },
      telemetry: settings.telemetry,
      wantPath: (path) => (include.length === 0 || include.some((g) => matchesGlob(path, g))) && !exclude.some((g) => matchesGlob(path, g)),
    });
    this.#aiHosts = config.ai_endpoints.hosts.map((h) => new RegExp(`^${h.toLowerCase().split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[a-z0-9.-]*')}$`));
  }

  async start(_host: Host): Promise<void> {
    const problems = preflight();
    if (problems.length > 0) throw new Error(problems.join('; '));
    if (this.#config.system_events) this.#startSystemEvents();
    if (!this.#config.ssl) return;
    // With the system object loaded, the TLS object shares its maps that let a connection learn its
    // socket from the syscalls that object sees (bpf/oisp_common.bpf.h).
    const share = this.#sys ? { with: this.#sys, maps: ['proc_flags', 'tls_pending', 'tls_socks'] } : undefined;
    const capture = openCapture(this.#config.ring_buffer_bytes, BPF_OBJECT_PATH, share);
    this.#capture = capture;
    capture.setMaxPayload(this.#config.max_payload_bytes);
    // The collector speaks TLS itself: its own process is excluded before anything attaches.
    capture.exclude(process.pid);
    applyProcessFilter(capture, this.#config.processes);
    const running = processFiles(process.pid).map((f) => f.path);
    // Stripped binaries an earlier run found TLS in, unchanged since: hooked before they next start.
    const known = this.#config.discovery_cache_dir ? knownStructuralFiles(this.#config.discovery_cache_dir) : [];
    const found = discoverTargets(expandGlobs(this.#config.binary_paths), [process.execPath, ...running, ...known], this.#discovery(true));
    this.#attach(found);
    await Promise.all(found.deferred.map((c) => this.#discoverInBackground(c)));
    capture.start((batch) => this.#onBatch(batch));
    // New executables and libraries loaded later are found by looking again; a new binary's first
    // request may race this (DESIGN.md trap), so the interval is short.
    if (this.#config.rescan_interval_ms > 0) {
      this.#rescan = setInterval(() => this.#rescanProcesses(), this.#config.rescan_interval_ms);
      this.#rescan.unref();
    }
  }

  #discovery(includeSystem: boolean): DiscoveryOptions {
    return { seen: this.#seenFiles, includeSystem, deferStructure: true };
  }

  /** A file that exports no TLS symbols, read through for TLS functions off the event loop; hooked
   * when found (`onHooked` then), said and counted when found but not verified. */
  async #discoverInBackground(c: Target, onHooked?: (t: Target) => void): Promise<void> {
    let result;
    try {
      result = structuralTargets(c, await this.#background.discover(c.path, this.#config.discovery_cache_dir || undefined));
    } catch (err) {
      if (!this.#stopped) this.#settings.logger.debug({ path: c.path, error: (err as Error).message }, 'structural discovery failed');
      return;
    }
    if (this.#stopped) return;
    this.#attach(result);
    for (const t of result.targets) onHooked?.(t);
  }

  #attach({ targets, skipped }: { targets: Target[]; skipped: Skipped[] }): void {
    const log = this.#settings.logger;
    for (const s of skipped) {
      if (s.stack) {
        // A TLS stack we could not verify: said once per file, and counted.
        this.#settings.telemetry.add('tls_stacks_not_hooked', 1, { stack: s.stack });
        log.warn({ path: s.path, stack: s.stack, reason: s.reason }, 'TLS not visible: not hooked');
      } else log.debug({ path: s.path, reason: s.reason }, 'not hooked');
    }
    for (const t of targets) {
      const hooked = TLS_PROBES.filter((p) => t.symbols?.has(p.symbol));
      // The cookie: which file (low half), and for rustls how far its read side's pointer is from the connection's (high half).
      const cookie = this.#libs.push(t.lib) - 1 + (t.structure?.identityOffset ?? 0) * 2 ** 32;
      this.#stacks.push(t.structure ? t.structure.stack.split(' ')[0].toLowerCase() : 'openssl'); // boringssl, openssl, rustls
      try {
        for (const p of hooked) this.#capture?.attachUprobe(p.program, t.path, t.offsets?.get(p.symbol) ?? p.symbol, p.retprobe, -1, cookie);
      } catch (err) {
        this.#settings.telemetry.error('attach_failed', err);
        continue;
      }
      this.#settings.telemetry.add('hooked_files', 1, { reason: t.structure ? 'structure' : t.reason });
      const structure = t.structure && { stack: t.structure.stack, discovery_ms: t.structure.ms, cached: t.structure.cached, offsets: Object.fromEntries([...(t.offsets ?? [])].map(([k, v]) => [k, `0x${v.toString(16)}`])) };
      log.info({ path: t.path, lib: t.lib, reason: t.reason, symbols: [...new Set(hooked.map((p) => p.symbol))], ...structure }, 'hooked');
    }
  }

  #startSystemEvents(): void {
    const sys = openCapture(this.#config.ring_buffer_bytes, SYS_OBJECT_PATH);
    this.#sys = sys;
    sys.exclude(process.pid);
    applyProcessFilter(sys, this.#config.processes);
    const settings = Buffer.alloc(16); // struct oisp_sys_settings
    settings.writeUInt32LE({ marked: 0, all: 1, none: 2 }[this.#config.file_events], 0);
    settings.writeBigUInt64LE(BigInt(this.#config.file_io_interval_ms) * 1_000_000n, 8);
    sys.updateMap('sys_settings', Buffer.alloc(4), settings);
    for (const [map, ports] of [['ai_ports', this.#config.ai_endpoints.ports], ['plain_ports', this.#config.plain_http_ports]] as const) {
      for (const port of ports) {
        const key = Buffer.alloc(2);
        key.writeUInt16LE(port);
        sys.updateMap(map, key, Buffer.from([1]));
      }
    }
    sys.attachAll();
    sys.start((batch) => this.#onSysBatch(batch));
    // From here the kernel sees every new QUIC flow; those already open are read from /proc once.
    this.#countQuic();
    this.#counters = setInterval(() => this.#readKernelCounters(), 1000);
    this.#counters.unref();
  }

  /** The kernel's filter counters, as telemetry: opens it did not follow, by filter. */
  #readKernelCounters(): void {
    const now = this.#sys?.sumPerCpu('suppressed', 2);
    if (!now) return;
    ['unmarked', 'none'].forEach((filter, i) => {
      if (now[i] > this.#suppressed[i]) this.#settings.telemetry.add('file_events_suppressed', now[i] - this.#suppressed[i], { filter });
    });
    this.#suppressed = now;
  }

  /** A TLS connection to an AI host makes its process an agent: its file events are kept from now on. */
  #markIfAi(pid: number, sni: string): void {
    if (!this.#sys || this.#marked.has(pid)) return;
    const host = sni.toLowerCase();
    if (!this.#aiHosts.some((re) => re.test(host))) return;
    const key = Buffer.alloc(4);
    key.writeUInt32LE(pid);
    try {
      this.#sys.updateMap('marked_tgids', key, Buffer.from([1]));
      this.#marked.add(pid);
      if (this.#marked.size > MAX_TRACKED_CONNECTIONS) this.#marked.delete(this.#marked.values().next().value as number);
      this.#settings.telemetry.add('agent_processes_marked');
    } catch (err) {
      this.#settings.telemetry.error('mark_failed', err);
    }
  }

  #onSysBatch(batch: Buffer): void {
    if (this.#stopped) return;
    if (this.#queued >= this.#config.max_queued_batches) {
      this.#settings.telemetry.dropped('queue_full');
      return;
    }
    let records: SysRecord[];
    try {
      records = decodeSysBatch(batch);
    } catch (err) {
      this.#settings.telemetry.error('bad_record', err);
      return;
    }
    for (const r of records) {
      if (r.kind === REC_EXEC && this.#capture) this.#attachExecutable(r);
      else if (r.kind === REC_EXIT) this.#quicSeen.delete(r.pid);
      else if (isQuic(r) && (r.kind === REC_UDP_SEND || r.ret === 0)) this.#quicFlow(r.pid, r.ip, r.port, r.kind === REC_UDP_SEND ? 'first datagram' : 'connect');
    }
    const all = this.#system.toEvents(records, nowNs() - process.hrtime.bigint());
    // Plaintext socket data goes on at once, like TLS data; process, file and network events wait
    // system_events_delay_ms: two rings, two poll threads, and what a process did after reading a
    // response (the tool it ran) must not overtake that response's bytes on their way downstream.
    const data = all.filter((e) => e.event_type.startsWith('capture.'));
    const events = data.length === all.length ? [] : all.filter((e) => !e.event_type.startsWith('capture.'));
    if (data.length > 0) this.#handOn(data);
    if (events.length === 0) return;
    if (this.#config.system_events_delay_ms > 0) {
      const t = setTimeout(() => {
        this.#delayed.delete(t);
        this.#handOn(events);
      }, this.#config.system_events_delay_ms);
      this.#delayed.set(t, () => this.#handOn(events));
    } else this.#handOn(events);
  }

  #handOn(events: OispEvent[]): void {
    this.#queued++;
    this.#chain = this.#chain
      .then(() => this.#next.consume(events))
      .catch((err) => this.#settings.telemetry.error('consume_failed', err))
      .finally(() => this.#queued--);
  }

  /**
   * A program just started: hooked now if it carries OpenSSL, so its first request is seen (the
   * rescan would find it up to rescan_interval_ms later). Looked at through its own root, as a
   * container's process sees it.
   */
  #attachExecutable(r: ExecRecord): void {
    const result = discoverTargets([], [`/proc/${r.pid}/root${r.filename}`], this.#discovery(false));
    const hooked = () => {
      // bpf_ktime_get_ns and hrtime are both CLOCK_MONOTONIC.
      const latencyMs = Number(process.hrtime.bigint() - r.tsNs) / 1e6;
      this.#settings.telemetry.gauge('exec_to_attach_ms', Math.round(latencyMs));
      this.#settings.logger.info({ pid: r.pid, path: r.filename, exec_to_attach_ms: Math.round(latencyMs * 10) / 10 }, 'hooked at exec');
    };
    for (const c of result.deferred) {
      c.reason = 'exec';
      void this.#discoverInBackground(c, hooked);
    }
    if (result.targets.length === 0) return;
    for (const t of result.targets) t.reason = 'exec';
    this.#attach({ targets: result.targets, skipped: [] });
    hooked();
  }

  #rescanProcesses(): void {
    if (this.#stopped) return;
    const t0 = performance.now();
    const found = processFiles(process.pid);
    const result = discoverTargets(expandGlobs(this.#config.binary_paths), found.map((f) => f.path), this.#discovery(false));
    for (const t of [...result.targets, ...result.deferred]) if (t.reason !== 'binary_paths') t.reason = 'found in a running process';
    this.#attach(result);
    for (const c of result.deferred) void this.#discoverInBackground(c);
    // The kernel says each new flow at once (system events); this look is what says them when those
    // are off, and the backstop for a connected flow whose record was lost (a full ring or queue).
    this.#countQuic();
    this.#settings.telemetry.gauge('rescan_ms', Math.round(performance.now() - t0));
  }

  /** QUIC (UDP 443) flows open now, from /proc (connected sockets only): each new one said once. */
  #countQuic(): void {
    for (const flow of quicFlows(this.#quicSockets)) {
      if (this.#quicSockets.size >= MAX_TRACKED_CONNECTIONS) this.#quicSockets.clear();
      this.#quicSockets.add(flow.inode);
      this.#quicFlow(flow.pid, flow.ip, flow.port, 'running');
    }
  }

  /** A QUIC flow — invisible to TLS capture — counted and said once per process and destination. */
  #quicFlow(pid: number, ip: string, port: number, seenBy: 'connect' | 'first datagram' | 'running'): void {
    let dests = this.#quicSeen.get(pid);
    if (!dests) {
      if (this.#quicSeen.size >= MAX_TRACKED_CONNECTIONS) this.#quicSeen.delete(this.#quicSeen.keys().next().value as number);
      this.#quicSeen.set(pid, (dests = new Set()));
    }
    const dest = `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
    if (dests.has(dest) || dests.size >= 1024) return;
    dests.add(dest);
    this.#settings.telemetry.add('quic_flows', 1);
    this.#settings.logger.warn({ pid, remote: dest, seen_by: seenBy }, QUIC_INVISIBLE);
  }

  #onBatch(batch: Buffer): void {
    if (this.#stopped) return;
    if (this.#queued >= this.#config.max_queued_batches) {
      this.#settings.telemetry.dropped('queue_full');
      return;
    }
    let records: TlsRecord[];
    try {
      records = decodeBatch(batch);
    } catch (err) {
      this.#settings.telemetry.error('bad_record', err);
      return;
    }
    const offset = nowNs() - process.hrtime.bigint(); // CLOCK_MONOTONIC -> wall clock, refreshed per batch
    const events: OispEvent[] = [];
    for (const r of records) {
      if (r.kind === REC_TLS_DATA) events.push(this.#toEvent(r, offset));
      else if (r.kind === REC_TLS_CLOSE) events.push(this.#closeEvent(r, offset));
      else if (r.kind === REC_TLS_SOCKET) this.#remember(this.#sockets, this.#connId(r), { fd: r.fd, local: r.local, remote: r.remote });
      else {
        this.#remember(this.#sni, this.#connId(r), r.name);
        this.#markIfAi(r.pid, r.name);
      }
    }
    if (events.length > 0) this.#handOn(events);
  }

  #connId(r: { pid: number; sslPtr: bigint; generation: number }): string {
    return `${r.pid}:0x${r.sslPtr.toString(16)}:${r.generation}`;
  }

  #conn(r: { pid: number; tid: number; sslPtr: bigint; generation: number }): ConnInfo {
    const id = this.#connId(r);
    const conn: ConnInfo = { id, transport: 'tls', generation: r.generation, pid: r.pid, tid: r.tid, ssl_ptr: `0x${r.sslPtr.toString(16)}` };
    const sni = this.#sni.get(id);
    if (sni) conn.sni = sni;
    Object.assign(conn, this.#sockets.get(id));
    return conn;
  }

  #remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_TRACKED_CONNECTIONS) map.delete(map.keys().next().value as string);
  }

  #envelope(r: { pid: number; tid: number; tsNs: bigint }, monoToWall: bigint, name?: string, stack = 'openssl') {
    return {
      ts: formatTimestamp(r.tsNs + monoToWall),
      ts_mono: r.tsNs.toString(),
      // What the process's exec said when we saw it (cmdline, ppid, cwd, start time), else /proc.
      process: { ...(this.#system.process(r.pid) ?? { pid: r.pid, ...this.#fromProc(r.pid), ...(name ? { name } : {}) }), tid: r.tid },
      source: { collector: this.#settings.buildInfo.command, collector_version: this.#settings.buildInfo.version, capture_method: 'ebpf_uprobe', capture_point: stack },
    };
  }

  #toEvent(r: TlsDataRecord, monoToWall: bigint): OispEvent<'capture.data', CaptureData> {
    const conn = this.#conn(r);
    const lib = this.#libs[r.lib];
    if (lib) conn.lib = lib;
    const key = `${conn.id}:${r.direction}`;
    const expected = this.#expected.get(key) ?? 0;
    this.#remember(this.#expected, key, r.offset + r.data.length);
    const data: CaptureData = { conn, direction: r.direction, offset: r.offset, data: r.data };
    if (r.offset > expected) data.bytes_lost = r.offset - expected;
    return createEvent('capture.data', data, this.#envelope(r, monoToWall, r.comm, this.#stacks[r.lib]));
  }

  /** SSL_free, or a new handshake on its pointer: the connection is over; what was seen of each direction goes with it. */
  #closeEvent(r: TlsCloseRecord, monoToWall: bigint): OispEvent<'capture.close', CaptureClose> {
    const conn = this.#conn(r);
    // The kernel's totals: bytes past the last chunk seen were lost (a trailing gap no chunk reports).
    const data: CaptureClose = { conn, reason: r.reason, egress_bytes: r.egressBytes, ingress_bytes: r.ingressBytes };
    for (const direction of ['egress', 'ingress'] as const) this.#expected.delete(`${conn.id}:${direction}`);
    this.#sni.delete(conn.id);
    this.#sockets.delete(conn.id);
    return createEvent('capture.close', data, this.#envelope(r, monoToWall));
  }

  #fromProc(pid: number): { exe?: string; container_id?: string } {
    let info = this.#procInfo.get(pid);
    if (!info) {
      info = {};
      try {
        info.exe = readlinkSync(`/proc/${pid}/exe`);
      } catch {
        // the process may already be gone
      }
      const containerId = containerIdOfPid(pid);
      if (containerId) info.container_id = containerId;
      this.#procInfo.set(pid, info);
      if (this.#procInfo.size > MAX_TRACKED_CONNECTIONS) this.#procInfo.delete(this.#procInfo.keys().next().value as number);
    }
    return info;
  }

  /** Kernel-side losses so far: records the ring could not take, bytes that could not be read. */
  drops(): { ring: number; unreadable: number } {
    const [ring, unreadable] = this.#capture?.sumPerCpu('drops', 2) ?? [0, 0];
    const [sysRing, sysUnreadable] = this.#sys?.sumPerCpu('drops', 2) ?? [0, 0];
    return { ring: ring + sysRing, unreadable: unreadable + sysUnreadable };
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#background.close();
    clearInterval(this.#rescan);
    clearInterval(this.#counters);
    this.#readKernelCounters();
    for (const capture of [this.#capture, this.#sys]) {
      if (!capture) continue;
      const [ring, unreadable] = capture.sumPerCpu('drops', 2);
      if (ring > 0) this.#settings.telemetry.dropped('ring_full', ring);
      if (unreadable > 0) this.#settings.telemetry.add('unreadable_bytes', unreadable);
      capture.close();
    }
    this.#capture = undefined;
    this.#sys = undefined;
    // Batches still waiting out their delay go now, in order: nothing accepted is lost.
    for (const [t, handOn] of this.#delayed) {
      clearTimeout(t);
      handOn();
    }
    this.#delayed.clear();
    await this.#chain;
  }
}
