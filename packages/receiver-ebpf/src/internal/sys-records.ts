// Decoding the records of bpf/sys.bpf.c (its own ring): exec, exit, file open, file I/O totals,
// connect, plaintext socket data. Layouts as in bpf/oisp_records.h; records.test.ts checks them.
import { ipString } from './ip-address.ts';
import { TLS_CLOSE_LAYOUT, TLS_DATA_LAYOUT } from './records.ts';

export const REC_EXEC = 10;
export const REC_EXIT = 11;
export const REC_FILE_OPEN = 12;
export const REC_FILE_IO = 13;
export const REC_CONNECT = 14;
export const REC_FILE_DUP = 15;
export const REC_FORK = 16;
/** Plaintext on sockets to configured ports: laid out as the TLS records, fd in the ssl_ptr field. */
export const REC_TCP_DATA = 17;
export const REC_TCP_CLOSE = 18;
/** A non-blocking connect's outcome, when its handshake ended: laid out as REC_CONNECT. */
export const REC_CONNECT_DONE = 19;
/** The first datagram a process sent to a QUIC destination (UDP 443) on an unconnected socket: laid out as REC_CONNECT. */
export const REC_UDP_SEND = 20;
/** The port whose UDP is QUIC (bpf/oisp_records.h OISP_QUIC_PORT). */
export const QUIC_PORT = 443;

const PATH_MAX = 1024;

export const EXEC_LAYOUT = {
  kind: 0, pid: 4, ts_ns: 8, start_ns: 16, cgroup_id: 24, ppid: 32, uid: 36, ns_pid: 40, args_len: 44, args_cut: 48,
  comm: 56, filename: 72, cwd: 72 + PATH_MAX, service_name: 72 + 2 * PATH_MAX, cgroup: 72 + 2 * PATH_MAX + 128, args: 72 + 2 * PATH_MAX + 384, size: 72 + 2 * PATH_MAX + 384 + 2048,
} as const;
export const EXIT_LAYOUT = { kind: 0, pid: 4, ts_ns: 8, start_ns: 16, exit_code: 24, ppid: 28, comm: 32, size: 48 } as const;
export const FILE_OPEN_LAYOUT = { kind: 0, pid: 4, ts_ns: 8, tid: 16, fd: 20, dirfd: 24, flags: 28, resolved: 32, comm: 40, path: 56, size: 56 + PATH_MAX } as const;
export const FILE_IO_LAYOUT = { kind: 0, pid: 4, ts_ns: 8, fd: 16, closed: 20, read_bytes: 24, write_bytes: 32, reads: 40, writes: 44, size: 48 } as const;
export const FILE_DUP_LAYOUT = { kind: 0, pid: 4, ts_ns: 8, oldfd: 16, newfd: 20, size: 24 } as const;
export const FORK_LAYOUT = { kind: 0, pid: 4, ts_ns: 8, start_ns: 16, ppid: 24, size: 32 } as const;
export const CONNECT_LAYOUT = {
  kind: 0, pid: 4, ts_ns: 8, tid: 16, fd: 20, ret: 24, family: 28, port: 30, addr: 32, comm: 48, started_ns: 64, local_port: 72, protocol: 74, local_addr: 80, size: 96,
} as const;

export interface ExecRecord {
  kind: typeof REC_EXEC;
  pid: number;
  tsNs: bigint;
  startNs: bigint;
  cgroupId: bigint;
  ppid: number;
  uid: number;
  nsPid: number;
  comm: string;
  filename: string;
  cwd: string;
  serviceName: string;
  /** "parent/leaf" names of the process's cgroup (where container runtimes put the container id). */
  cgroup: string;
  args: string[];
  argsCut: boolean;
}

export interface ExitRecord {
  kind: typeof REC_EXIT;
  pid: number;
  tsNs: bigint;
  startNs: bigint;
  /** The wait status: exit code << 8 | terminating signal. */
  status: number;
  ppid: number;
  comm: string;
}

export interface FileOpenRecord {
  kind: typeof REC_FILE_OPEN;
  pid: number;
  tid: number;
  tsNs: bigint;
  /** The result: an fd, or -errno. */
  fd: number;
  dirfd: number;
  flags: number;
  /** True: the opened file's full path; false: the path as the caller gave it. */
  resolved: boolean;
  comm: string;
  path: string;
}

export interface FileIoRecord {
  kind: typeof REC_FILE_IO;
  pid: number;
  tsNs: bigint;
  fd: number;
  /** The file's last totals (closed, or its process ended); false: an interval's, more may follow. */
  closed: boolean;
  readBytes: number;
  writeBytes: number;
  reads: number;
  writes: number;
}

export interface ConnectRecord {
  /** REC_CONNECT: connect() returned; REC_CONNECT_DONE: a non-blocking one finished its handshake;
   * REC_UDP_SEND: the first datagram to a QUIC destination went out on an unconnected socket. */
  kind: typeof REC_CONNECT | typeof REC_CONNECT_DONE | typeof REC_UDP_SEND;
  pid: number;
  tid: number;
  tsNs: bigint;
  /** REC_CONNECT_DONE: when connect() was called. */
  startedNs: bigint;
  fd: number;
  ret: number;
  family: 'inet' | 'inet6';
  ip: string;
  port: number;
  /** The socket's own address, when it has one (port 0: none yet). */
  localIp: string;
  localPort: number;
  /** The socket's protocol, when the kernel could read it. */
  protocol?: 'tcp' | 'udp';
  comm: string;
}

export interface FileDupRecord {
  kind: typeof REC_FILE_DUP;
  pid: number;
  tsNs: bigint;
  oldfd: number;
  newfd: number;
}

export interface ForkRecord {
  kind: typeof REC_FORK;
  pid: number;
  tsNs: bigint;
  startNs: bigint;
  ppid: number;
}

export interface TcpDataRecord {
  kind: typeof REC_TCP_DATA;
  pid: number;
  tid: number;
  tsNs: bigint;
  fd: number;
  generation: number;
  direction: 'egress' | 'ingress';
  offset: number;
  comm: string;
  data: Buffer;
}

export interface TcpCloseRecord {
  kind: typeof REC_TCP_CLOSE;
  pid: number;
  tid: number;
  tsNs: bigint;
  fd: number;
  generation: number;
  egressBytes: number;
  ingressBytes: number;
}

export type SysRecord = ExecRecord | ExitRecord | FileOpenRecord | FileIoRecord | ConnectRecord | FileDupRecord | ForkRecord | TcpDataRecord | TcpCloseRecord;

export class SysRecordError extends Error {}

const PROTOCOLS: Record<number, 'tcp' | 'udp'> = { 6: 'tcp', 17: 'udp' };

function cString(buf: Buffer, start: number, max: number): string {
  const field = buf.subarray(start, start + max);
  const nul = field.indexOf(0);
  return field.toString('utf8', 0, nul === -1 ? max : nul);
}

/** The least each kind may take: exec and open records end after the bytes they use. */
const SIZES: Record<number, number> = {
  [REC_EXEC]: EXEC_LAYOUT.args,
  [REC_EXIT]: EXIT_LAYOUT.size,
  [REC_FILE_OPEN]: FILE_OPEN_LAYOUT.path + 1,
  [REC_FILE_IO]: FILE_IO_LAYOUT.size,
  [REC_CONNECT]: CONNECT_LAYOUT.size,
  [REC_CONNECT_DONE]: CONNECT_LAYOUT.size,
  [REC_UDP_SEND]: CONNECT_LAYOUT.size,
  [REC_FILE_DUP]: FILE_DUP_LAYOUT.size,
  [REC_FORK]: FORK_LAYOUT.size,
  [REC_TCP_DATA]: TLS_DATA_LAYOUT.size,
  [REC_TCP_CLOSE]: TLS_CLOSE_LAYOUT.size,
};

/** Every record of one batch ([u32 length][record]...); a malformed one throws naming its byte offset. */
export function decodeSysBatch(batch: Buffer): SysRecord[] {
  const out: SysRecord[] = [];
  let pos = 0;
  while (pos < batch.length) {
    if (pos + 4 > batch.length) throw new SysRecordError(`truncated record length at byte ${pos}`);
    const size = batch.readUInt32LE(pos);
    const s = pos + 4;
    if (s + size > batch.length) throw new SysRecordError(`record at byte ${pos} claims ${size} bytes, ${batch.length - s} left`);
    const kind = batch.readUInt32LE(s);
    const need = SIZES[kind];
    if (need === undefined) throw new SysRecordError(`unknown record kind ${kind} at byte ${pos}`);
    if (size < need) throw new SysRecordError(`record at byte ${pos}: kind ${kind} needs ${need} bytes, has ${size}`);
    const r = batch.subarray(s, s + size);
    if (kind === REC_TCP_DATA) {
      const L = TLS_DATA_LAYOUT;
      const len = r.readUInt32LE(L.len);
      if (L.size + len > size) throw new SysRecordError(`record at byte ${pos}: payload of ${len} bytes exceeds its ${size}-byte record`);
      out.push({
        kind, tsNs: r.readBigUInt64LE(L.ts_ns), fd: Number(r.readBigUInt64LE(L.ssl_ptr)), offset: Number(r.readBigUInt64LE(L.offset)), pid: r.readUInt32LE(L.pid), tid: r.readUInt32LE(L.tid),
        direction: r.readUInt32LE(L.direction) === 0 ? 'egress' : 'ingress', generation: r.readUInt32LE(L.generation), comm: cString(r, L.comm, 16), data: r.subarray(L.size, L.size + len), // a view, as records.ts says why
      });
      pos = s + size;
      continue;
    }
    if (kind === REC_TCP_CLOSE) {
      const L = TLS_CLOSE_LAYOUT;
      out.push({
        kind, tsNs: r.readBigUInt64LE(L.ts_ns), fd: Number(r.readBigUInt64LE(L.ssl_ptr)), pid: r.readUInt32LE(L.pid), tid: r.readUInt32LE(L.tid), generation: r.readUInt32LE(L.generation),
        egressBytes: Number(r.readBigUInt64LE(L.egress_bytes)), ingressBytes: Number(r.readBigUInt64LE(L.ingress_bytes)),
      });
      pos = s + size;
      continue;
    }
    const pid = r.readUInt32LE(4);
    const tsNs = r.readBigUInt64LE(8);
    if (kind === REC_EXEC) {
      const L = EXEC_LAYOUT;
      const argsLen = Math.min(r.readUInt32LE(L.args_len), 2048, size - L.args);
      const raw = r.toString('utf8', L.args, L.args + argsLen);
      const args = raw.split('\0');
      if (args[args.length - 1] === '') args.pop();
      out.push({
        kind, pid, tsNs,
        startNs: r.readBigUInt64LE(L.start_ns), cgroupId: r.readBigUInt64LE(L.cgroup_id), ppid: r.readUInt32LE(L.ppid), uid: r.readUInt32LE(L.uid),
        nsPid: r.readUInt32LE(L.ns_pid), comm: cString(r, L.comm, 16), filename: cString(r, L.filename, PATH_MAX), cwd: cString(r, L.cwd, PATH_MAX),
        serviceName: cString(r, L.service_name, 128), cgroup: cString(r, L.cgroup, L.args - L.cgroup), args, argsCut: r.readUInt32LE(L.args_cut) !== 0,
      });
    } else if (kind === REC_EXIT) {
      const L = EXIT_LAYOUT;
      out.push({ kind, pid, tsNs, startNs: r.readBigUInt64LE(L.start_ns), status: r.readUInt32LE(L.exit_code), ppid: r.readUInt32LE(L.ppid), comm: cString(r, L.comm, 16) });
    } else if (kind === REC_FILE_OPEN) {
      const L = FILE_OPEN_LAYOUT;
      out.push({
        kind, pid, tsNs, tid: r.readUInt32LE(L.tid), fd: r.readInt32LE(L.fd), dirfd: r.readInt32LE(L.dirfd), flags: r.readUInt32LE(L.flags),
        resolved: r.readUInt32LE(L.resolved) !== 0, comm: cString(r, L.comm, 16), path: cString(r, L.path, Math.min(PATH_MAX, size - L.path)),
      });
    } else if (kind === REC_FILE_IO) {
      const L = FILE_IO_LAYOUT;
      out.push({
        kind, pid, tsNs, fd: r.readInt32LE(L.fd), closed: r.readUInt32LE(L.closed) !== 0, readBytes: Number(r.readBigUInt64LE(L.read_bytes)), writeBytes: Number(r.readBigUInt64LE(L.write_bytes)),
        reads: r.readUInt32LE(L.reads), writes: r.readUInt32LE(L.writes),
      });
    } else if (kind === REC_FILE_DUP) {
      out.push({ kind, pid, tsNs, oldfd: r.readInt32LE(FILE_DUP_LAYOUT.oldfd), newfd: r.readInt32LE(FILE_DUP_LAYOUT.newfd) });
    } else if (kind === REC_FORK) {
      out.push({ kind, pid, tsNs, startNs: r.readBigUInt64LE(FORK_LAYOUT.start_ns), ppid: r.readUInt32LE(FORK_LAYOUT.ppid) });
    } else {
      const L = CONNECT_LAYOUT;
      const family = r.readUInt16LE(L.family);
      const protocol = PROTOCOLS[r.readUInt16LE(L.protocol)];
      out.push({
        kind: kind === REC_CONNECT_DONE || kind === REC_UDP_SEND ? kind : REC_CONNECT, pid, tsNs, startedNs: r.readBigUInt64LE(L.started_ns), tid: r.readUInt32LE(L.tid), fd: r.readInt32LE(L.fd), ret: r.readInt32LE(L.ret),
        family: family === 2 ? 'inet' : 'inet6', ip: ipString(family, r.subarray(L.addr, L.addr + 16)), port: r.readUInt16LE(L.port),
        localIp: ipString(family, r.subarray(L.local_addr, L.local_addr + 16)), localPort: r.readUInt16LE(L.local_port), comm: cString(r, L.comm, 16),
        ...(protocol ? { protocol } : {}),
      });
    }
    pos = s + size;
  }
  return out;
}
