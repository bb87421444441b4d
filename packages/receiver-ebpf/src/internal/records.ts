// Decoding the addon's batches: [u32 length][record] repeated, each record laid out as in
// bpf/oisp_records.h (records.test.ts checks these offsets against the header).

export const REC_TLS_DATA = 1;

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
  size: 64,
} as const;

export interface TlsDataRecord {
  kind: typeof REC_TLS_DATA;
  tsNs: bigint;
  sslPtr: bigint;
  offset: number;
  pid: number;
  tid: number;
  direction: 'egress' | 'ingress';
  generation: number;
  comm: string;
  data: Buffer;
}

export class RecordDecodeError extends Error {}

/** Every record of one batch; a malformed one throws naming its byte offset. */
export function decodeBatch(batch: Buffer): TlsDataRecord[] {
  const out: TlsDataRecord[] = [];
  let pos = 0;
  while (pos < batch.length) {
    if (pos + 4 > batch.length) throw new RecordDecodeError(`truncated record length at byte ${pos}`);
    const size = batch.readUInt32LE(pos);
    const start = pos + 4;
    const end = start + size;
    if (end > batch.length) throw new RecordDecodeError(`record at byte ${pos} claims ${size} bytes, ${batch.length - start} left`);
    const kind = batch.readUInt32LE(start);
    if (kind !== REC_TLS_DATA) throw new RecordDecodeError(`unknown record kind ${kind} at byte ${pos}`);
    const L = TLS_DATA_LAYOUT;
    const len = batch.readUInt32LE(start + L.len);
    if (L.size + len > size) throw new RecordDecodeError(`record at byte ${pos}: payload of ${len} bytes exceeds its ${size}-byte record`);
    const comm = batch.subarray(start + L.comm, start + L.comm + 16);
    const nul = comm.indexOf(0);
    out.push({
      kind: REC_TLS_DATA,
      tsNs: batch.readBigUInt64LE(start + L.ts_ns),
      sslPtr: batch.readBigUInt64LE(start + L.ssl_ptr),
      offset: Number(batch.readBigUInt64LE(start + L.offset)),
      pid: batch.readUInt32LE(start + L.pid),
      tid: batch.readUInt32LE(start + L.tid),
      direction: batch.readUInt32LE(start + L.direction) === 0 ? 'egress' : 'ingress',
      generation: batch.readUInt32LE(start + L.generation),
      comm: comm.toString('utf8', 0, nul === -1 ? 16 : nul),
      data: Buffer.from(batch.subarray(start + L.size, start + L.size + len)),
    });
    pos = end;
  }
  return out;
}
