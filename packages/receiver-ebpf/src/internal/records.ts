// Decoding the addon's batches: [u32 length][record] repeated, each record laid out as in
// bpf/oisp_records.h (records.test.ts compiles that header and checks these offsets against it).
import { ipString } from './ip-address.ts';

export const REC_TLS_DATA = 1;
export const REC_TLS_CLOSE = 2;
export const REC_TLS_SNI = 3;
export const REC_TLS_SOCKET = 4;

export const TLS_DATA_LAYOUT = {
  kind: 0,
  len: 4,
  ts_ns: 8,
  ssl_ptr: 16,
  offset: 24,
  pid: 32,
  tid: 36,
  direction: 40,
  generation: 44,
  comm: 48,
  lib: 64,
  size: 72,
} as const;

export const TLS_CLOSE_LAYOUT = { kind: 0, generation: 4, ts_ns: 8, ssl_ptr: 16, pid: 24, tid: 28, egress_bytes: 32, ingress_bytes: 40, reason: 48, size: 56 } as const;
export const TLS_SNI_LAYOUT = { kind: 0, generation: 4, ts_ns: 8, ssl_ptr: 16, pid: 24, tid: 28, name: 32, size: 32 + 256 } as const;
export const TLS_SOCKET_LAYOUT = {
  kind: 0, generation: 4, ts_ns: 8, ssl_ptr: 16, pid: 24, tid: 28, fd: 32, family: 36, port: 38, local_port: 40, addr: 48, local_addr: 64, size: 80,
} as const;

interface TlsRecordBase {
  tsNs: bigint;
  sslPtr: bigint;
  pid: number;
  tid: number;
  generation: number;
}

export interface TlsDataRecord extends TlsRecordBase {
  kind: typeof REC_TLS_DATA;
  offset: number;
  direction: 'egress' | 'ingress';
  comm: string;
  /** The hooked file the call ran in: the cookie its probes were attached with. */
  lib: number;
  data: Buffer;
}

export interface TlsCloseRecord extends TlsRecordBase {
  kind: typeof REC_TLS_CLOSE;
  /** Every byte the connection carried per direction, captured or not. */
  egressBytes: number;
  ingressBytes: number;
  /** SSL_free, or a new handshake on the same pointer (a library's reuse of freed memory). */
  reason: 'ssl_free' | 'new_handshake';
}

export interface TlsSniRecord extends TlsRecordBase {
  kind: typeof REC_TLS_SNI;
  name: string;
}

/** The socket under a TLS connection: its fd and both ends. */
export interface TlsSocketRecord extends TlsRecordBase {
  kind: typeof REC_TLS_SOCKET;
  fd: number;
  remote: { ip: string; port: number };
  local: { ip: string; port: number };
}

export type TlsRecord = TlsDataRecord | TlsCloseRecord | TlsSniRecord | TlsSocketRecord;

export class RecordDecodeError extends Error {}

function cString(buf: Buffer, start: number, max: number): string {
  const field = buf.subarray(start, start + max);
  const nul = field.indexOf(0);
  return field.toString('utf8', 0, nul === -1 ? max : nul);
}

/** Every record of one batch; a malformed one throws naming its byte offset. */
export function decodeBatch(batch: Buffer): TlsRecord[] {
  const out: TlsRecord[] = [];
  let pos = 0;
  while (pos < batch.length) {
    if (pos + 4 > batch.length) throw new RecordDecodeError(`truncated record length at byte ${pos}`);
    const size = batch.readUInt32LE(pos);
    const s = pos + 4;
    if (s + size > batch.length) throw new RecordDecodeError(`record at byte ${pos} claims ${size} bytes, ${batch.length - s} left`);
    const kind = batch.readUInt32LE(s);
    if (kind === REC_TLS_DATA) {
      const L = TLS_DATA_LAYOUT;
      const len = batch.readUInt32LE(s + L.len);
      if (L.size + len > size) throw new RecordDecodeError(`record at byte ${pos}: payload of ${len} bytes exceeds its ${size}-byte record`);
      out.push({
        kind,
        tsNs: batch.readBigUInt64LE(s + L.ts_ns),
        sslPtr: batch.readBigUInt64LE(s + L.ssl_ptr),
        offset: Number(batch.readBigUInt64LE(s + L.offset)),
        pid: batch.readUInt32LE(s + L.pid),
        tid: batch.readUInt32LE(s + L.tid),
        direction: batch.readUInt32LE(s + L.direction) === 0 ? 'egress' : 'ingress',
        generation: batch.readUInt32LE(s + L.generation),
        comm: cString(batch, s + L.comm, 16),
        lib: Number(batch.readBigUInt64LE(s + L.lib)),
        // A view, not a copy: the batch is the addon's own memory, handed over; what a stage keeps
        // past its batch it copies (processor-http's reassembly does).
        data: batch.subarray(s + L.size, s + L.size + len),
      });
    } else if (kind === REC_TLS_CLOSE || kind === REC_TLS_SNI || kind === REC_TLS_SOCKET) {
      const L = kind === REC_TLS_CLOSE ? TLS_CLOSE_LAYOUT : kind === REC_TLS_SNI ? TLS_SNI_LAYOUT : TLS_SOCKET_LAYOUT;
      if (size < L.size) throw new RecordDecodeError(`record at byte ${pos}: kind ${kind} needs ${L.size} bytes, has ${size}`);
      const base: TlsRecordBase = {
        tsNs: batch.readBigUInt64LE(s + L.ts_ns),
        sslPtr: batch.readBigUInt64LE(s + L.ssl_ptr),
        pid: batch.readUInt32LE(s + L.pid),
        tid: batch.readUInt32LE(s + L.tid),
        generation: batch.readUInt32LE(s + L.generation),
      };
      if (kind === REC_TLS_CLOSE) {
        out.push({
          kind,
          ...base,
          egressBytes: Number(batch.readBigUInt64LE(s + TLS_CLOSE_LAYOUT.egress_bytes)),
          ingressBytes: Number(batch.readBigUInt64LE(s + TLS_CLOSE_LAYOUT.ingress_bytes)),
          reason: batch.readUInt32LE(s + TLS_CLOSE_LAYOUT.reason) === 1 ? 'new_handshake' : 'ssl_free',
        });
      } else if (kind === REC_TLS_SNI) {
        out.push({ kind, ...base, name: cString(batch, s + TLS_SNI_LAYOUT.name, 256) });
      } else {
        const S = TLS_SOCKET_LAYOUT;
        const family = batch.readUInt16LE(s + S.family);
        const at = (o: number) => ipString(family, batch.subarray(s + o, s + o + 16));
        out.push({
          kind, ...base, fd: batch.readInt32LE(s + S.fd),
          remote: { ip: at(S.addr), port: batch.readUInt16LE(s + S.port) }, local: { ip: at(S.local_addr), port: batch.readUInt16LE(s + S.local_port) },
        });
      }
    } else {
      throw new RecordDecodeError(`unknown record kind ${kind} at byte ${pos}`);
    }
    pos = s + size;
  }
  return out;
}
