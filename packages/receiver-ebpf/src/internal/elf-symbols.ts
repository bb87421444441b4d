// What an ELF file says about itself, read from its section headers and the few sections asked
// for: a 100 MB `node` is answered without reading its code (DESIGN.md trap). ELF64 little-endian
// only; anything else reads as empty.
import { closeSync, openSync, readSync } from 'node:fs';

const SHT_NOTE = 7;
const SHT_DYNSYM = 11;
const NT_GNU_BUILD_ID = 3;

/** One ELF64 section header, as the file has it. */
export interface SectionHeader {
  nameOffset: number;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

type Section = SectionHeader;

/** The section header at byte `b` of `shdrs`. */
export function sectionHeader(shdrs: Buffer, b: number): SectionHeader {
  return {
    nameOffset: shdrs.readUInt32LE(b),
    type: shdrs.readUInt32LE(b + 4),
    flags: Number(shdrs.readBigUInt64LE(b + 8)),
    addr: Number(shdrs.readBigUInt64LE(b + 0x10)),
    offset: Number(shdrs.readBigUInt64LE(b + 0x18)),
    size: Number(shdrs.readBigUInt64LE(b + 0x20)),
    link: shdrs.readUInt32LE(b + 0x28),
    entsize: Number(shdrs.readBigUInt64LE(b + 0x38)),
  };
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, offset);
  return n === length ? buf : buf.subarray(0, n);
}

/** Runs `read` over the file's sections; `fallback` when it is not an ELF64 LE file (or cannot be opened). */
function withSections<T>(path: string, fallback: T, read: (sections: Section[], at: (s: Section, max?: number) => Buffer, shstrndx: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return fallback;
  }
  try {
    const ehdr = readAt(fd, 0, 64);
    if (ehdr.length < 64 || ehdr.readUInt32BE(0) !== 0x7f454c46 || ehdr[4] !== 2 || ehdr[5] !== 1) return fallback;
    const shoff = Number(ehdr.readBigUInt64LE(0x28));
    const shentsize = ehdr.readUInt16LE(0x3a);
    const shnum = ehdr.readUInt16LE(0x3c);
    if (shoff === 0 || shentsize < 64 || shnum === 0) return fallback;
    const shdrs = readAt(fd, shoff, shentsize * shnum);
    const sections: Section[] = [];
    for (let b = 0; b + 64 <= shdrs.length; b += shentsize) sections.push(sectionHeader(shdrs, b));
    return read(sections, (s, max = s.size) => readAt(fd, s.offset, Math.min(s.size, max)), ehdr.readUInt16LE(0x3e));
  } finally {
    closeSync(fd);
  }
}

/** The subset of `wanted` defined (not merely imported) in `path`'s .dynsym. */
export function definedDynamicSymbols(path: string, wanted: readonly string[]): Set<string> {
  return withSections(path, new Set<string>(), (sections, at) => {
    const found = new Set<string>();
    const want = new Set(wanted);
    for (const sym of sections) {
      if (sym.type !== SHT_DYNSYM || sym.entsize < 24 || !sections[sym.link]) continue;
      const strings = at(sections[sym.link]);
      const table = at(sym);
      for (let off = 0; off + 24 <= table.length; off += sym.entsize) {
        if (table.readUInt16LE(off + 6) === 0) continue; // undefined: imported from elsewhere
        const nameOff = table.readUInt32LE(off);
        const end = strings.indexOf(0, nameOff);
        const name = strings.toString('latin1', nameOff, end === -1 ? strings.length : end);
        if (want.has(name)) found.add(name);
      }
    }
    return found;
  });
}

const SHT_PROGBITS = 1;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;

/** Whether the file's loaded data (not its code) holds any of `needles`: a cheap look at a binary
 * before reading all of it. */
export function dataContains(path: string, needles: readonly string[]): boolean {
  return withSections(path, false, (sections, at) => {
    const wanted = needles.map((n) => Buffer.from(n, 'latin1'));
    for (const s of sections) {
      if (s.type !== SHT_PROGBITS || !(s.flags & SHF_ALLOC) || s.flags & SHF_EXECINSTR || s.size === 0) continue;
      const data = at(s);
      if (wanted.some((n) => data.includes(n))) return true;
    }
    return false;
  });
}

/** The names of the file's sections: what toolchain built it shows there. */
export function sectionNames(path: string): string[] {
  return withSections(path, [], (sections, at, shstrndx) => {
    if (!sections[shstrndx]) return [];
    const strtab = at(sections[shstrndx], 1 << 20);
    return sections.map((s) => {
      const end = strtab.indexOf(0, s.nameOffset);
      return strtab.toString('latin1', s.nameOffset, end < 0 ? strtab.length : end);
    });
  });
}

/** The GNU build-id (hex) from the file's notes: the same build under any path or inode. */
export function buildId(path: string): string | undefined {
  return withSections<string | undefined>(path, undefined, (sections, at) => {
    for (const s of sections) {
      if (s.type !== SHT_NOTE) continue;
      const notes = at(s, 4096);
      // Notes: namesz, descsz, type, then name and desc each padded to 4 bytes.
      for (let off = 0; off + 12 <= notes.length; ) {
        const namesz = notes.readUInt32LE(off);
        const descsz = notes.readUInt32LE(off + 4);
        const type = notes.readUInt32LE(off + 8);
        const name = off + 12;
        const desc = name + ((namesz + 3) & ~3);
        if (desc + descsz > notes.length) break;
        if (type === NT_GNU_BUILD_ID && notes.toString('latin1', name, name + namesz) === 'GNU\0' && descsz > 0) return notes.toString('hex', desc, desc + descsz);
        off = desc + ((descsz + 3) & ~3);
      }
    }
    return undefined;
  });
}
