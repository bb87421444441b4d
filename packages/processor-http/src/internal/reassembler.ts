// Puts one direction of one connection back in byte order: chunks arrive with their offset, may
// come out of order within a batch, may overlap (retransmitted reads) or leave a gap (capture
// loss). Contiguous bytes go straight to `deliver`; a hole that is still open when the batch ends
// (or when too much waits behind it) becomes a gap.
import type { MemoryAccount } from './memory-account.ts';

export interface ChunkOrigin<E = unknown> {
  /** The capture event the chunk came in: output events copy its envelope. */
  event: E;
  /** RFC 3339 ns timestamp of that event. */
  ts: string;
}

export interface ReassemblySink<E> {
  data(bytes: Uint8Array, origin: ChunkOrigin<E>): void;
  /** `lost` bytes are missing before the next data. */
  gap(lost: number, origin: ChunkOrigin<E>): void;
}

interface Pending<E> {
  offset: number;
  bytes: Uint8Array;
  origin: ChunkOrigin<E>;
}

export class Reassembler<E> {
  #next = 0;
  #pending: Pending<E>[] = [];
  #pendingBytes = 0;
  readonly #sink: ReassemblySink<E>;
  readonly #memory: MemoryAccount;
  readonly #maxPending: number;

  constructor(sink: ReassemblySink<E>, memory: MemoryAccount, maxPending: number) {
    this.#sink = sink;
    this.#memory = memory;
    this.#maxPending = maxPending;
  }

  /** Offset of the next byte expected. */
  get nextOffset(): number {
    return this.#next;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(offset: number, bytes: Uint8Array, origin: ChunkOrigin<E>, bytesLost = 0): void {
    if (bytesLost > 0) {
      // The receiver says bytes are missing right before this chunk. When its offsets skip the
      // lost bytes the hole shows in the offsets; when they do not, move past it here.
      if (offset === this.#next) this.#sink.gap(bytesLost, origin);
      else if (offset > this.#next && this.#pending.length === 0) this.#gapTo(offset, origin);
    }
    if (offset <= this.#next) {
      this.#deliver(offset, bytes, origin);
      this.#drain();
      return;
    }
    if (this.#pendingBytes + bytes.length > this.#maxPending || !this.#memory.reserve(bytes.length)) {
      // Too much waits behind the hole: give up on it.
      this.flush();
      this.#gapTo(offset, origin);
      this.#deliver(offset, bytes, origin);
      this.#drain();
      return;
    }
    this.#pendingBytes += bytes.length;
    this.#pending.push({ offset, bytes, origin });
  }

  /** End of batch: a hole still open is a loss; deliver what waits behind it. */
  flush(): void {
    while (this.#pending.length > 0) {
      this.#pending.sort((a, b) => a.offset - b.offset);
      const first = this.#pending[0];
      if (first.offset > this.#next) this.#gapTo(first.offset, first.origin);
      this.#drain();
    }
  }

  /** Forget what waits (connection closed or skipped). */
  discard(): void {
    this.#memory.release(this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #gapTo(offset: number, origin: ChunkOrigin<E>): void {
    if (offset <= this.#next) return;
    const lost = offset - this.#next;
    this.#next = offset;
    this.#sink.gap(lost, origin);
  }

  #deliver(offset: number, bytes: Uint8Array, origin: ChunkOrigin<E>): void {
    const end = offset + bytes.length;
    if (end <= this.#next) return; // all seen already
    const fresh = offset < this.#next ? bytes.subarray(this.#next - offset) : bytes;
    this.#next = end;
    this.#sink.data(fresh, origin);
  }

  #drain(): void {
    let progressed = true;
    while (progressed && this.#pending.length > 0) {
      progressed = false;
      for (let i = 0; i < this.#pending.length; i++) {
        const p = this.#pending[i];
        if (p.offset <= this.#next) {
          this.#pending.splice(i, 1);
          this.#pendingBytes -= p.bytes.length;
          this.#memory.release(p.bytes.length);
          this.#deliver(p.offset, p.bytes, p.origin);
          progressed = true;
          break;
        }
      }
    }
  }
}
