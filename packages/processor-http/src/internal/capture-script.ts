// Builds capture.data / capture.close events the way the eBPF receiver sends them: per-direction
// offsets, one timestamp per chunk. Used by tests, the fuzzer and bench/http.ts.
import { createEvent, formatTimestamp } from '@oisp/core';
import type { CaptureClose, CaptureData, ConnInfo, OispEvent } from '@oisp/core';

export function testConn(id: string, extra: Partial<ConnInfo> = {}): ConnInfo {
  return { id, transport: 'tls', generation: 0, pid: 4242, tid: 4242, sni: 'api.example.com', ...extra };
}

export class CaptureScript {
  readonly conn: ConnInfo;
  readonly events: OispEvent[] = [];
  #ns: bigint;
  #stepNs: bigint;
  #offset = { egress: 0, ingress: 0 };

  constructor(conn: ConnInfo, startNs = 1_764_000_000_000_000_000n, stepNs = 1_000_000n) {
    this.conn = conn;
    this.#ns = startNs;
    this.#stepNs = stepNs;
  }

  /** One chunk per piece; `split` cuts the bytes into pieces of that size. */
  write(direction: 'egress' | 'ingress', bytes: Uint8Array | string, split = Infinity): this {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    for (let i = 0; i < data.length; i += split) this.chunk(direction, data.subarray(i, Math.min(data.length, i + split)));
    return this;
  }

  egress(bytes: Uint8Array | string, split = Infinity): this {
    return this.write('egress', bytes, split);
  }

  ingress(bytes: Uint8Array | string, split = Infinity): this {
    return this.write('ingress', bytes, split);
  }

  chunk(direction: 'egress' | 'ingress', bytes: Uint8Array, lost = 0): this {
    // A plain Uint8Array view: serializeEvent turns it into base64 (a Buffer would serialise via toJSON).
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#offset[direction] += lost;
    const payload: CaptureData = { conn: this.conn, direction, offset: this.#offset[direction], data };
    if (lost > 0) payload.bytes_lost = lost;
    this.#offset[direction] += data.length;
    this.events.push(this.#event('capture.data', payload));
    return this;
  }

  /** Lose `n` bytes of a direction (they never show up; the next chunk's offset skips them). */
  lose(direction: 'egress' | 'ingress', n: number): this {
    this.#offset[direction] += n;
    return this;
  }

  close(reason = 'close'): this {
    const payload: CaptureClose = { conn: this.conn, egress_bytes: this.#offset.egress, ingress_bytes: this.#offset.ingress, reason };
    this.events.push(this.#event('capture.close', payload));
    return this;
  }

  #event<T extends string>(type: T, data: unknown): OispEvent {
    const ts = formatTimestamp(this.#ns);
    this.#ns += this.#stepNs;
    return createEvent(type, data, {
      ts,
      process: { pid: this.conn.pid, tid: this.conn.tid, exe: '/usr/bin/python3', name: 'python3' },
      source: { collector: 'oisp-collector', capture_method: 'ebpf_uprobe', capture_point: 'SSL_write' },
    });
  }
}
