// A whole ELF64 x86-64 file in memory, for discovery by structure: its sections by name, and the
// mapping between virtual addresses (what code refers to) and file offsets (what a uprobe takes).
import { readFileSync } from 'node:fs';
import { sectionHeader } from '../elf-symbols.ts';

const ET_DYN = 3;
const EM_X86_64 = 62;
const SHT_NOBITS = 8;
const SHF_EXECINSTR = 0x4;

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
}

export class ElfImage {
  readonly path: string;
  readonly bytes: Buffer;
  readonly sections: ElfSection[];
  /** Position-independent (ET_DYN): code reaches data RIP-relative; else often by absolute address. */
  readonly pie: boolean;

  private constructor(path: string, bytes: Buffer, sections: ElfSection[], pie: boolean) {
    this.path = path;
    this.bytes = bytes;
    this.sections = sections;
    this.pie = pie;
  }

  /** Reads `path`; throws, naming the file and what is wrong, when it is not ELF64 LE x86-64. */
  static read(path: string): ElfImage {
    return ElfImage.fromBytes(path, readFileSync(path));
  }

  static fromBytes(path: string, bytes: Buffer): ElfImage {
    const fail = (why: string) => new Error(`${path}: ${why}`);
    if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) throw fail('not an ELF file');
    if (bytes[4] !== 2 || bytes[5] !== 1) throw fail('not ELF64 little-endian');
    if (bytes.readUInt16LE(0x12) !== EM_X86_64) throw fail(`machine ${bytes.readUInt16LE(0x12)} is not x86-64`);
    const shoff = Number(bytes.readBigUInt64LE(0x28));
    const shentsize = bytes.readUInt16LE(0x3a);
    const shnum = bytes.readUInt16LE(0x3c);
    const shstrndx = bytes.readUInt16LE(0x3e);
    if (shoff === 0 || shentsize < 64 || shoff + shentsize * shnum > bytes.length) throw fail(`no section headers (at byte ${shoff})`);
    const raw = Array.from({ length: shnum }, (_, i) => sectionHeader(bytes, shoff + i * shentsize));
    const names = raw[shstrndx];
    const sections = raw.map(({ nameOffset, type, flags, addr, offset, size }) => {
      const start = (names?.offset ?? 0) + nameOffset;
      const end = names ? bytes.indexOf(0, start) : start;
      return { type, flags, addr, offset, size, name: bytes.toString('latin1', start, end < 0 ? start : end) };
    });
    return new ElfImage(path, bytes, sections, bytes.readUInt16LE(0x10) === ET_DYN);
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** Sections of machine code. */
  get code(): ElfSection[] {
    return this.sections.filter((s) => s.flags & SHF_EXECINSTR && s.type !== SHT_NOBITS && s.size > 0);
  }

  /** The section holding file bytes at `vaddr`. */
  sectionAt(vaddr: number): ElfSection | undefined {
    return this.sections.find((s) => s.addr !== 0 && s.type !== SHT_NOBITS && vaddr >= s.addr && vaddr < s.addr + s.size);
  }

  /** The file offset of a virtual address — what a uprobe is attached at. */
  fileOffset(vaddr: number): number | undefined {
    const s = this.sectionAt(vaddr);
    return s && s.offset + (vaddr - s.addr);
  }

  /** The bytes of `section` (a view, not a copy). */
  contents(section: ElfSection): Buffer {
    return this.bytes.subarray(section.offset, section.offset + section.size);
  }

  /**
   * Every NUL-terminated string in allocated data that ends with `suffix`: `whole` gives the
   * string from the NUL before it (a source path whose prefix varies by build); otherwise the
   * address is where `suffix` itself starts (a linker may share the tail of a longer string).
   */
  strings(suffix: string, whole: boolean): { vaddr: number; text: string }[] {
    const needle = Buffer.from(`${suffix}\0`, 'latin1');
    const out: { vaddr: number; text: string }[] = [];
    for (const s of this.sections) {
      if (s.addr === 0 || s.type === SHT_NOBITS || s.flags & SHF_EXECINSTR) continue;
      const data = this.contents(s);
      for (let at = data.indexOf(needle); at !== -1; at = data.indexOf(needle, at + 1)) {
        const start = whole ? data.lastIndexOf(0, at) + 1 : at;
        out.push({ vaddr: s.addr + start, text: data.toString('latin1', start, at + suffix.length) });
      }
    }
    return out;
  }
}
