// Function bounds from the unwind tables: .eh_frame_hdr's sorted table points at each FDE, whose
// pc_begin and pc_range are where a function (or a split-off part of one) starts and ends. Kept by
// strip, since unwinding (C++ exceptions, Rust panics, backtraces) needs it.
import type { ElfImage } from './elf-image.ts';

const DW_EH_PE_omit = 0xff;

interface Cursor {
  at: number; // file offset
}

/** Reads a DW_EH_PE-encoded pointer at `c` (pc-relative ones against `vaddrAt` of its offset). */
function readEncoded(bytes: Buffer, c: Cursor, encoding: number, vaddrAt: (offset: number) => number, dataBase: number): number {
  const start = c.at;
  let value: number;
  switch (encoding & 0x0f) {
    case 0x00: // absptr
    case 0x04: // udata8
      value = Number(bytes.readBigUInt64LE(c.at));
      c.at += 8;
      break;
    case 0x0c: // sdata8
      value = Number(bytes.readBigInt64LE(c.at));
      c.at += 8;
      break;
    case 0x03:
      value = bytes.readUInt32LE(c.at);
      c.at += 4;
      break;
    case 0x0b:
      value = bytes.readInt32LE(c.at);
      c.at += 4;
      break;
    case 0x02:
      value = bytes.readUInt16LE(c.at);
      c.at += 2;
      break;
    case 0x0a:
      value = bytes.readInt16LE(c.at);
      c.at += 2;
      break;
    default:
      throw new Error(`pointer encoding 0x${encoding.toString(16)} at byte ${start}`);
  }
  switch (encoding & 0x70) {
    case 0x00:
      return value;
    case 0x10: // pcrel
      return vaddrAt(start) + value;
    case 0x30: // datarel
      return dataBase + value;
    default:
      throw new Error(`pointer application 0x${(encoding & 0x70).toString(16)} at byte ${start}`);
  }
}

function uleb(bytes: Buffer, c: Cursor): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[c.at++];
    result += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return result;
    shift += 7;
  }
}

export interface FunctionRange {
  start: number;
  end: number;
  /** The unwind rules say the return address is on top of the stack at `start` (CFA = rsp + 8
   * before its first instruction): a function's entry, not a split-off part of one. */
  entry: boolean;
}

/** The unwind table's view of a binary: which function range holds an address. */
export class UnwindTable {
  readonly #image: ElfImage;
  readonly #starts: Float64Array;
  readonly #fdes: Float64Array; // file offsets of each FDE, in step with #starts
  readonly #cies = new Map<number, Cie>();

  private constructor(image: ElfImage, starts: Float64Array, fdes: Float64Array) {
    this.#image = image;
    this.#starts = starts;
    this.#fdes = fdes;
  }

  /** The table, from .eh_frame_hdr's search table, else from walking .eh_frame itself (a static
   * binary may have no header); undefined when it has neither. */
  static of(image: ElfImage): UnwindTable | undefined {
    return UnwindTable.#fromHeader(image) ?? UnwindTable.#fromFrames(image);
  }

  static #fromHeader(image: ElfImage): UnwindTable | undefined {
    const hdr = image.section('.eh_frame_hdr');
    if (!hdr || hdr.size < 12) return undefined;
    const b = image.bytes;
    const vaddrAt = (offset: number) => hdr.addr + (offset - hdr.offset);
    const c = { at: hdr.offset + 4 };
    const [version, framePtrEnc, countEnc, tableEnc] = [b[hdr.offset], b[hdr.offset + 1], b[hdr.offset + 2], b[hdr.offset + 3]];
    if (version !== 1 || countEnc === DW_EH_PE_omit || tableEnc === DW_EH_PE_omit) return undefined;
    readEncoded(b, c, framePtrEnc, vaddrAt, hdr.addr);
    const count = readEncoded(b, c, countEnc, vaddrAt, hdr.addr);
    const starts = new Float64Array(count);
    const fdes = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      starts[i] = readEncoded(b, c, tableEnc, vaddrAt, hdr.addr);
      const fde = image.fileOffset(readEncoded(b, c, tableEnc, vaddrAt, hdr.addr));
      if (fde === undefined) return undefined;
      fdes[i] = fde;
    }
    return new UnwindTable(image, starts, fdes);
  }

  static #fromFrames(image: ElfImage): UnwindTable | undefined {
    const frame = image.section('.eh_frame');
    if (!frame || frame.size < 8) return undefined;
    const table = new UnwindTable(image, new Float64Array(0), new Float64Array(0));
    const found: [number, number][] = [];
    const b = image.bytes;
    for (let at = frame.offset; at + 8 <= frame.offset + frame.size; ) {
      const length = b.readUInt32LE(at);
      if (length === 0 || length === 0xffffffff) break; // terminator, or 64-bit DWARF
      if (b.readUInt32LE(at + 4) !== 0) {
        const range = table.#fdeRange(at);
        if (range) found.push([range.start, at]);
      }
      at += 4 + length;
    }
    found.sort((x, y) => x[0] - y[0]);
    return found.length ? new UnwindTable(image, Float64Array.from(found, (f) => f[0]), Float64Array.from(found, (f) => f[1])) : undefined;
  }

  get size(): number {
    return this.#starts.length;
  }

  /** The range of the FDE holding `vaddr`, if one does. */
  rangeOf(vaddr: number): FunctionRange | undefined {
    let lo = 0;
    let hi = this.#starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#starts[mid] <= vaddr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const range = this.#fdeRange(this.#fdes[found]);
    return range && vaddr < range.end ? range : undefined;
  }

  #fdeRange(fde: number): FunctionRange | undefined {
    const b = this.#image.bytes;
    const frame = this.#image.section('.eh_frame');
    if (!frame) return undefined;
    const vaddrAt = (offset: number) => frame.addr + (offset - frame.offset);
    const c = { at: fde };
    const length = b.readUInt32LE(c.at);
    if (length === 0xffffffff) return undefined; // 64-bit DWARF: not produced for x86-64 binaries we see
    c.at += 4;
    const fdeEnd = c.at + length;
    const cie = this.#cie(c.at - b.readUInt32LE(c.at));
    c.at += 4;
    if (!cie) return undefined;
    const start = readEncoded(b, c, cie.encoding, vaddrAt, 0);
    const range = readEncoded(b, c, cie.encoding & 0x0f, vaddrAt, 0);
    if (cie.augmented) c.at += uleb(b, c);
    const cfa = cie.cfa && cfaBeforeFirstInstruction(b, c.at, fdeEnd, cie.cfa);
    return { start, end: start + range, entry: cfa?.register === RSP && cfa.offset === 8 };
  }

  /** A CIE: its FDE pointer encoding (augmentation 'R', absptr when none) and its initial CFA rule. */
  #cie(at: number): Cie | undefined {
    const known = this.#cies.get(at);
    if (known) return known;
    const b = this.#image.bytes;
    const end = at + 4 + b.readUInt32LE(at);
    const c = { at: at + 8 }; // length, CIE id
    const version = b[c.at++];
    const augEnd = b.indexOf(0, c.at);
    const augmentation = b.toString('latin1', c.at, augEnd);
    c.at = augEnd + 1;
    uleb(b, c); // code alignment
    uleb(b, c); // data alignment (sleb; only skipped)
    if (version === 1) c.at++;
    else uleb(b, c); // return address register
    let encoding = 0;
    const augmented = augmentation.startsWith('z');
    if (augmented) {
      uleb(b, c); // augmentation data length
      for (const ch of augmentation.slice(1)) {
        if (ch === 'R') encoding = b[c.at++];
        else if (ch === 'L') c.at++;
        else if (ch === 'P') {
          const enc = b[c.at++];
          readEncoded(b, c, enc & 0x0f, () => 0, 0);
        } else if (ch !== 'S' && ch !== 'B') return undefined;
      }
    }
    const cie = { encoding, augmented, cfa: cfaBeforeFirstInstruction(b, c.at, end, undefined) };
    this.#cies.set(at, cie);
    return cie;
  }
}

interface Cie {
  encoding: number;
  augmented: boolean;
  cfa: Cfa | undefined;
}

/** The canonical frame address as a register plus an offset. */
interface Cfa {
  register: number;
  offset: number;
}

const RSP = 7;

/**
 * The CFA rule once the call-frame instructions in [from, to) have run up to the first one that
 * advances the location: for an FDE, the rule at its first instruction. Undefined when an
 * instruction is not understood (or sets the CFA by expression) — not sure, so not an entry.
 */
function cfaBeforeFirstInstruction(b: Buffer, from: number, to: number, initial: Cfa | undefined): Cfa | undefined {
  let cfa = initial;
  const c = { at: from };
  while (c.at < to) {
    const op = b[c.at++];
    const high = op & 0xc0;
    if (high === 0x40) {
      if (op & 0x3f) return cfa; // advance_loc
      continue;
    }
    if (high === 0x80) {
      uleb(b, c); // offset
      continue;
    }
    if (high === 0xc0) continue; // restore
    switch (op) {
      case 0x00: // nop
      case 0x0a: // remember_state
        break;
      case 0x02:
        if (b[c.at++]) return cfa;
        break;
      case 0x03:
        c.at += 2;
        if (b.readUInt16LE(c.at - 2)) return cfa;
        break;
      case 0x04:
        c.at += 4;
        if (b.readUInt32LE(c.at - 4)) return cfa;
        break;
      case 0x0c: // def_cfa
        cfa = { register: uleb(b, c), offset: uleb(b, c) };
        break;
      case 0x0d: // def_cfa_register
        if (!cfa) return undefined;
        cfa = { ...cfa, register: uleb(b, c) };
        break;
      case 0x0e: // def_cfa_offset
        if (!cfa) return undefined;
        cfa = { ...cfa, offset: uleb(b, c) };
        break;
      case 0x06: // restore_extended
      case 0x07: // undefined
      case 0x08: // same_value
      case 0x2e: // GNU_args_size
        uleb(b, c);
        break;
      case 0x05: // offset_extended
      case 0x09: // register
      case 0x11: // offset_extended_sf (sleb read as uleb: only skipped)
      case 0x14: // val_offset
      case 0x15: // val_offset_sf
      case 0x2f: // GNU_negative_offset_extended
        uleb(b, c);
        uleb(b, c);
        break;
      case 0x10: // expression
      case 0x16: // val_expression
        uleb(b, c);
        c.at += uleb(b, c);
        break;
      default:
        return undefined; // def_cfa_expression, restore_state, the _sf CFA forms, unknown
    }
  }
  return cfa;
}
