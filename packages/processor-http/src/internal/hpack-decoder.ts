// HPACK (RFC 7541) header-block decoding that tolerates a dynamic table it only partly knows — a
// capture that starts mid-connection, or lost a header block. hpack.js reads the wire (integers,
// strings, Huffman); the dynamic table is ours, so that a reference to an entry we never saw is
// reported as unresolved instead of failing the block or, worse, reading the wrong entry.
//
// Why indexes stay right: entries are numbered newest first, so every entry added since we started
// listening has the same index in our table as in the encoder's. A reference beyond what we hold is
// one we cannot know; an entry added under a name we could not resolve is kept as a placeholder.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const hpack = require('hpack.js') as {
  decoder: { create(): WireDecoder };
  'static-table': { table: { name: string; value: string }[] };
};

interface WireDecoder {
  push(chunk: Buffer): void;
  isEmpty(): boolean;
  decodeBit(): number;
  decodeInt(): number;
  decodeStr(): number[];
}

const STATIC = hpack['static-table'].table;
const DEFAULT_TABLE_SIZE = 4096;

interface Entry {
  name: string;
  value: string;
  size: number;
  /** Added under a name index we could not resolve: its name is unknown. */
  placeholder: boolean;
}

export interface DecodedBlock {
  headers: [string, string][];
  /** Fields whose name or value referenced dynamic-table entries we do not hold. */
  unresolved: number;
}

function text(bytes: number[]): string {
  return Buffer.from(bytes).toString('latin1');
}

export class HpackDecoder {
  /** Newest first, as HPACK numbers them. */
  #dynamic: Entry[] = [];
  #size = 0;
  #maxSize = DEFAULT_TABLE_SIZE;
  /** True once a block needed an entry we never saw: the table started (or restarted) mid-stream. */
  partial: boolean;

  constructor(partial = false) {
    this.partial = partial;
  }

  /** Decodes one complete header block; throws only on malformed wire data (not on unknown entries). */
  decode(block: Uint8Array): DecodedBlock {
    const wire = hpack.decoder.create();
    wire.push(Buffer.from(block));
    const headers: [string, string][] = [];
    let unresolved = 0;
    while (!wire.isEmpty()) {
      if (wire.decodeBit()) {
        // Indexed field.
        const e = this.#lookup(wire.decodeInt());
        if (!e || e.placeholder) unresolved++;
        else headers.push([e.name, e.value]);
        continue;
      }
      const incremental = wire.decodeBit();
      if (!incremental && wire.decodeBit()) {
        // Dynamic table size update.
        this.#maxSize = wire.decodeInt();
        this.#evict();
        continue;
      }
      if (!incremental) wire.decodeBit(); // never-indexed flag: no difference to a reader
      const nameIndex = wire.decodeInt();
      let name: string | undefined;
      let nameSize = 0;
      if (nameIndex === 0) {
        const raw = wire.decodeStr();
        name = text(raw);
        nameSize = raw.length;
      } else {
        const e = this.#lookup(nameIndex);
        if (e && !e.placeholder) {
          name = e.name;
          nameSize = Buffer.byteLength(e.name, 'latin1');
        }
      }
      const rawValue = wire.decodeStr();
      const value = text(rawValue);
      if (name === undefined) unresolved++;
      else headers.push([name, value]);
      if (incremental) this.#add({ name: name ?? '', value, size: nameSize + rawValue.length + 32, placeholder: name === undefined });
    }
    if (unresolved > 0) this.partial = true;
    return { headers, unresolved };
  }

  /** After a gap in the byte stream the table cannot be trusted: start again from empty. */
  reset(): void {
    this.#dynamic = [];
    this.#size = 0;
    this.partial = true;
  }

  #lookup(index: number): Entry | undefined {
    if (index === 0) throw new Error('hpack: index 0');
    if (index <= STATIC.length) {
      const s = STATIC[index - 1];
      return { name: s.name, value: s.value, size: 0, placeholder: false };
    }
    return this.#dynamic[index - STATIC.length - 1];
  }

  #add(entry: Entry): void {
    this.#dynamic.unshift(entry);
    this.#size += entry.size;
    this.#evict();
  }

  #evict(): void {
    while (this.#size > this.#maxSize && this.#dynamic.length > 0) this.#size -= this.#dynamic.pop()!.size;
  }
}
