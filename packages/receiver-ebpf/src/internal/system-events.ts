// sys.bpf.c's records as OISP events: process.exec / process.exit, file.open, file.read /
// file.write (totals per open file: at close, and every file_io_interval_ms while in use), network.connect
// (TCP and UDP; QUIC, UDP 443, marked as invisible to TLS capture). Keeps what later events need:
// each process as its exec described it (so a short tool's events still say what it was) and the
// path behind each followed fd.
import os from 'node:os';
import {
  createEvent,
  formatTimestamp,
  type CaptureClose,
  type CaptureData,
  type ConnInfo,
  type ComponentTelemetry,
  type FileIo,
  type FileOpen,
  type NetworkConnect,
  type OispEvent,
  type ProcessExec,
  type ProcessExit,
  type ProcessInfo,
} from '@oisp/core';
import { containerIdOf } from './container-id.ts';
import { QUIC_PORT, REC_CONNECT, REC_CONNECT_DONE, REC_UDP_SEND, REC_EXEC, REC_EXIT, REC_FILE_DUP, REC_FILE_IO, REC_FILE_OPEN, REC_FORK, REC_TCP_CLOSE, REC_TCP_DATA, type ConnectRecord, type ExecRecord, type SysRecord } from './sys-records.ts';

const MAX_PROCESSES = 65536;
const MAX_FDS = 262144;
/** How long an exited process stays known: its last chunks on the TLS ring come well within this. */
const EXITED_KEPT_NS = 5_000_000_000n;

const ERRNO_NAMES = new Map<number, string>(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));
const EINPROGRESS = os.constants.errno.EINPROGRESS;

/** What a QUIC flow's events say of themselves (and the receiver's warning): TLS capture cannot see it. */
export const QUIC_INVISIBLE = 'QUIC/HTTP/3 (UDP 443): not visible to TLS capture';

export interface SystemEventOptions {
  source: { collector: string; collector_version?: string };
  telemetry: ComponentTelemetry;
  /** Whether file events of this path are wanted (include/exclude patterns). */
  wantPath(path: string): boolean;
}

export class SystemEvents {
  readonly #opts: SystemEventOptions;
  /** What each process's exec said, by pid. */
  readonly #processes = new Map<number, ProcessInfo>();
  /** The path behind each followed fd: `${pid}:${fd}`. */
  readonly #paths = new Map<string, string>();
  /** Where each connected socket goes: `${pid}:${fd}` (for plaintext connections' identity). */
  readonly #peers = new Map<string, { ip: string; port: number }>();
  /** Next expected offset per plaintext connection and direction: a jump is a gap. */
  readonly #expected = new Map<string, number>();
  /** The `pending` event of each non-blocking connect under way, `${pid}:${fd}`: its outcome links to it. */
  readonly #connecting = new Map<string, string>();
  /** Processes that exited, oldest first, kept for EXITED_KEPT_NS after their exit. */
  readonly #exited: { pid: number; info: ProcessInfo; atNs: bigint }[] = [];

  constructor(opts: SystemEventOptions) {
    this.#opts = opts;
  }

  /** What is known of a process from its exec (for the envelopes of other events too, TLS ones included). */
  process(pid: number): ProcessInfo | undefined {
    return this.#processes.get(pid);
  }

  toEvents(records: SysRecord[], monoToWall: bigint): OispEvent[] {
    const out: OispEvent[] = [];
    for (const r of records) {
      const e = this.#toEvent(r, monoToWall);
      if (e) {
        out.push(...e);
        for (const ev of e) this.#opts.telemetry.add('system_events', 1, { type: ev.event_type });
      }
    }
    return out;
  }

  #toEvent(r: SysRecord, monoToWall: bigint): OispEvent[] | undefined {
    const envelope = (pid: number, tid?: number) => ({
      ts: formatTimestamp(r.tsNs + monoToWall),
      ts_mono: r.tsNs.toString(),
      process: { ...(this.#processes.get(pid) ?? { pid }), ...(tid && tid !== pid ? { tid } : {}) },
      source: { ...this.#opts.source, capture_method: 'ebpf_tracepoint', capture_point: 'kernel' },
    });
    switch (r.kind) {
      case REC_EXEC: {
        const info = this.#remember(r);
        const data: ProcessExec = { exe: r.filename, args: r.args, cwd: r.cwd, ppid: r.ppid, uid: r.uid, cgroup_id: r.cgroupId.toString() };
        if (r.serviceName) data.service_name = r.serviceName;
        const e = createEvent('process.exec', data, { ...envelope(r.pid), process: info, actor: { uid: r.uid } });
        if (r.argsCut) e.confidence = { level: 'high', completeness: 'partial', reasons: ['arguments cut at 2 KiB'] };
        return [e];
      }
      case REC_EXIT: {
        const data: ProcessExit = { exit_code: (r.status >> 8) & 0xff, runtime_ms: Number((r.tsNs - r.startNs) / 1000n) / 1000 };
        const signal = r.status & 0x7f;
        if (signal) data.signal = signal;
        const e = createEvent('process.exit', data, envelope(r.pid));
        if (!e.process!.ppid && r.ppid) e.process!.ppid = r.ppid;
        this.#forgetLater(r.pid, r.tsNs);
        for (const key of this.#paths.keys()) if (key.startsWith(`${r.pid}:`)) this.#paths.delete(key);
        return [e];
      }
      case REC_FILE_OPEN: {
        // This fd is this file from now on, whatever it was before (a close with no I/O is not reported).
        this.#paths.delete(`${r.pid}:${r.fd}`);
        if (!this.#opts.wantPath(r.path)) {
          this.#opts.telemetry.add('file_events_suppressed', 1, { filter: 'path' });
          return undefined;
        }
        if (r.fd >= 0) {
          this.#paths.set(`${r.pid}:${r.fd}`, r.path);
          if (this.#paths.size > MAX_FDS) this.#paths.delete(this.#paths.keys().next().value as string);
        }
        const data: FileOpen = { path: r.path, fd: r.fd >= 0 ? r.fd : -1, flags: r.flags, result: r.fd };
        return [createEvent('file.open', data, envelope(r.pid, r.tid))];
      }
      case REC_FILE_IO: {
        const key = `${r.pid}:${r.fd}`;
        const path = this.#paths.get(key);
        if (r.closed) this.#paths.delete(key);
        if (path === undefined) return undefined; // its open was filtered out
        const out: OispEvent[] = [];
        if (r.reads > 0) out.push(createEvent('file.read', { path, fd: r.fd, bytes: r.readBytes, ops: r.reads } satisfies FileIo, envelope(r.pid)));
        if (r.writes > 0) out.push(createEvent('file.write', { path, fd: r.fd, bytes: r.writeBytes, ops: r.writes } satisfies FileIo, envelope(r.pid)));
        return out;
      }
      case REC_FILE_DUP: {
        // The new fd is the same open file (a shell's `> file`): its totals go under that path.
        const path = this.#paths.get(`${r.pid}:${r.oldfd}`);
        if (path !== undefined) this.#paths.set(`${r.pid}:${r.newfd}`, path);
        return undefined;
      }
      case REC_FORK: {
        // A forked process is its parent's copy until it execs (a subshell runs the same program).
        const parent = this.#processes.get(r.ppid);
        this.#keep({ ...(parent ?? {}), pid: r.pid, ppid: r.ppid, start_time: r.startNs.toString() });
        return undefined;
      }
      case REC_TCP_DATA:
      case REC_TCP_CLOSE: {
        const conn: ConnInfo = { id: `${r.pid}:fd${r.fd}:${r.generation}`, transport: 'tcp', generation: r.generation, role: 'client', pid: r.pid, tid: r.tid, fd: r.fd };
        const peer = this.#peers.get(`${r.pid}:${r.fd}`);
        if (peer) conn.remote = peer;
        if (r.kind === REC_TCP_CLOSE) {
          for (const d of ['egress', 'ingress']) this.#expected.delete(`${conn.id}:${d}`);
          const close: CaptureClose = { conn, reason: 'close', egress_bytes: r.egressBytes, ingress_bytes: r.ingressBytes };
          return [createEvent('capture.close', close, { ...envelope(r.pid, r.tid), source: { ...this.#opts.source, capture_method: 'ebpf_tracepoint', capture_point: 'socket' } })];
        }
        const key = `${conn.id}:${r.direction}`;
        const expected = this.#expected.get(key) ?? 0;
        this.#expected.set(key, r.offset + r.data.length);
        if (this.#expected.size > MAX_FDS) this.#expected.delete(this.#expected.keys().next().value as string);
        const data: CaptureData = { conn, direction: r.direction, offset: r.offset, data: r.data };
        if (r.offset > expected) data.bytes_lost = r.offset - expected;
        return [createEvent('capture.data', data, { ...envelope(r.pid, r.tid), source: { ...this.#opts.source, capture_method: 'ebpf_tracepoint', capture_point: 'socket' } })];
      }
      case REC_CONNECT:
      case REC_CONNECT_DONE:
      case REC_UDP_SEND: {
        const key = `${r.pid}:${r.fd}`;
        if (r.kind !== REC_UDP_SEND && (r.ret === 0 || r.ret === -EINPROGRESS)) {
          this.#peers.set(key, { ip: r.ip, port: r.port });
          if (this.#peers.size > MAX_FDS) this.#peers.delete(this.#peers.keys().next().value as string);
        }
        const pending = r.kind === REC_CONNECT && r.ret === -EINPROGRESS;
        const data: NetworkConnect = { fd: r.fd, family: r.family, dest: { ip: r.ip, port: r.port }, success: r.ret === 0 || pending };
        if (r.localPort !== 0) data.src = { ip: r.localIp, port: r.localPort };
        if (pending) data.pending = true;
        else if (r.ret < 0) data.error = ERRNO_NAMES.get(-r.ret) ?? `errno ${-r.ret}`;
        if (r.kind === REC_CONNECT_DONE) data.duration_ms = Number(r.tsNs - r.startedNs) / 1e6;
        if (r.protocol) data.protocol = r.protocol;
        if (r.kind === REC_UDP_SEND) data.first_datagram = true;
        const e = createEvent('network.connect', data, envelope(r.pid, r.tid));
        if (isQuic(r)) e.confidence = { level: 'high', completeness: 'metadata_only', reasons: [QUIC_INVISIBLE] };
        if (pending) {
          this.#connecting.set(key, e.event_id);
          if (this.#connecting.size > MAX_FDS) this.#connecting.delete(this.#connecting.keys().next().value as string);
        } else if (r.kind === REC_CONNECT_DONE) {
          const started = this.#connecting.get(key);
          this.#connecting.delete(key);
          if (started) e.related_events = [{ event_id: started, relationship: 'completes' }];
        }
        return [e];
      }
    }
  }

  /** The process's start (boot ns), as its exec or fork said: with the pid, the process's key. */
  startTime(pid: number): string | undefined {
    return this.#processes.get(pid)?.start_time;
  }

  #remember(r: ExecRecord): ProcessInfo {
    const name = r.filename.split('/').pop() || r.comm;
    const info: ProcessInfo = { pid: r.pid, ppid: r.ppid, exe: r.filename, name, cmdline: r.args.join(' '), cwd: r.cwd, start_time: r.startNs.toString() };
    if (r.nsPid && r.nsPid !== r.pid) info.ns_pid = r.nsPid;
    if (r.serviceName) info.service_name = r.serviceName;
    const containerId = containerIdOf(r.cgroup);
    if (containerId) info.container_id = containerId;
    this.#keep(info);
    return info;
  }

  /**
   * An exited process is forgotten a little later, not at once: its last TLS chunks travel on the
   * other ring and may reach JS after its exit record, and their events still need to say which
   * program it was (a process that ran for 80 ms is gone from /proc by then).
   */
  #forgetLater(pid: number, exitNs: bigint): void {
    const info = this.#processes.get(pid);
    if (info) this.#exited.push({ pid, info, atNs: exitNs });
    while (this.#exited.length > 0 && (exitNs - this.#exited[0].atNs > EXITED_KEPT_NS || this.#exited.length > MAX_PROCESSES)) {
      const gone = this.#exited.shift()!;
      if (this.#processes.get(gone.pid) === gone.info) this.#processes.delete(gone.pid); // not a new process with the pid
    }
  }

  #keep(info: ProcessInfo): void {
    this.#processes.delete(info.pid);
    this.#processes.set(info.pid, info);
    if (this.#processes.size > MAX_PROCESSES) this.#processes.delete(this.#processes.keys().next().value as number);
  }
}

/** A record of a QUIC flow: a UDP socket connected to port 443, or a first datagram sent there. */
export function isQuic(r: SysRecord): r is ConnectRecord {
  return (r.kind === REC_UDP_SEND || (r.kind === REC_CONNECT && r.protocol === 'udp')) && r.port === QUIC_PORT;
}
