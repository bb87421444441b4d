// process.*, file.* and network.* payloads (OISP 0.1, DESIGN.md appendix).
import type { OispEvent } from '../event.ts';

export interface ProcessExec {
  exe: string;
  args: string[];
  cwd?: string;
  ppid: number;
  uid: number;
  cgroup_id?: string;
  service_name?: string;
}

export interface ProcessExit {
  exit_code: number;
  signal?: number;
  runtime_ms?: number;
}

export interface FileOpen {
  path: string;
  fd: number;
  flags: number;
  result: number;
}

export interface FileIo {
  path: string;
  fd: number;
  bytes: number;
  ops: number;
}

export interface NetworkConnect {
  fd: number;
  family: 'inet' | 'inet6' | 'unix';
  dest: { ip: string; port: number; domain?: string };
  src?: { ip: string; port: number };
  success: boolean;
  /** The connect is in progress (non-blocking, EINPROGRESS): not a failure. Its outcome follows as
   * another network.connect, with `duration_ms` and related_events `completes` naming this one. */
  pending?: boolean;
  error?: string;
  /** On a non-blocking connect's outcome: from the connect() call to the end of the handshake. */
  duration_ms?: number;
  /** The socket's transport, when the kernel could read it. UDP to port 443 is QUIC (HTTP/3): its
   * TLS is inside the program, invisible to TLS capture, and such events say so in `confidence`. */
  protocol?: 'tcp' | 'udp';
  /** No connect() was made: this is the first datagram the process was seen sending to `dest` on an
   * unconnected UDP socket (reported for QUIC destinations only, once per process and destination). */
  first_datagram?: boolean;
}

export type ProcessExecEvent = OispEvent<'process.exec', ProcessExec>;
export type ProcessExitEvent = OispEvent<'process.exit', ProcessExit>;
export type FileOpenEvent = OispEvent<'file.open', FileOpen>;
export type FileReadEvent = OispEvent<'file.read', FileIo>;
export type FileWriteEvent = OispEvent<'file.write', FileIo>;
export type NetworkConnectEvent = OispEvent<'network.connect', NetworkConnect>;
