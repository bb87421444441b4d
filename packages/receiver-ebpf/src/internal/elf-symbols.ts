// Which of the given symbols an ELF file exports, from its dynamic symbol table only: a 100 MB
// `node` is answered by reading its section headers, .dynsym and .dynstr (DESIGN.md trap).
import { closeSync, openSync, readSync } from 'node:fs';

const SHT_DYNSYM = 11;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, offset);
  return n === length ? buf : buf.subarray(0, n);
}

/** The subset of `wanted` defined (not merely imported) in `path`'s .dynsym; empty if not an ELF64 LE file. */
export function definedDynamicSymbols(path: string, wanted: readonly string[]): Set<string> {
  const found = new Set<string>();
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return found;
  }
  try {
    const ehdr = readAt(fd, 0, 64);
    if (ehdr.length < 64 || ehdr.readUInt32BE(0) !== 0x7f454c46 || ehdr[4] !== 2 || ehdr[5] !== 1) return found;
    const shoff = Number(ehdr.readBigUInt64LE(0x28));
    const shentsize = ehdr.readUInt16LE(0x3a);
    const shnum = ehdr.readUInt16LE(0x3c);
    if (shoff === 0 || shentsize < 64 || shnum === 0) return found;
    const shdrs = readAt(fd, shoff, shentsize * shnum);
    const section = (i: number) => {
      const b = i * shentsize;
      return {
        type: shdrs.readUInt32LE(b + 4),
        offset: Number(shdrs.readBigUInt64LE(b + 0x18)),
        size: Number(shdrs.readBigUInt64LE(b + 0x20)),
        link: shdrs.readUInt32LE(b + 0x28),
        entsize: Number(shdrs.readBigUInt64LE(b + 0x38)),
      };
    };
    for (let i = 0; i < shnum; i++) {
      const sym = section(i);
      if (sym.type !== SHT_DYNSYM || sym.entsize < 24) continue;
      const strtab = section(sym.link);
      const strings = readAt(fd, strtab.offset, strtab.size);
      const table = readAt(fd, sym.offset, sym.size);
      const want = new Set(wanted);
      for (let off = 0; off + 24 <= table.length; off += sym.entsize) {
        const shndx = table.readUInt16LE(off + 6);
        if (shndx === 0) continue; // undefined: imported from elsewhere
        const nameOff = table.readUInt32LE(off);
        const end = strings.indexOf(0, nameOff);
        const name = strings.toString('latin1', nameOff, end === -1 ? strings.length : end);
        if (want.has(name)) found.add(name);
      }
    }
    return found;
  } finally {
    closeSync(fd);
  }
}

/** The names of an ELF64 LE file's sections (empty if it is not one): what toolchain built it shows there. */
export function sectionNames(path: string): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const ehdr = readAt(fd, 0, 64);
    if (ehdr.length < 64 || ehdr.readUInt32BE(0) !== 0x7f454c46 || ehdr[4] !== 2 || ehdr[5] !== 1) return [];
    const shoff = Number(ehdr.readBigUInt64LE(0x28));
    const shentsize = ehdr.readUInt16LE(0x3a);
    const shnum = ehdr.readUInt16LE(0x3c);
    const shstrndx = ehdr.readUInt16LE(0x3e);
    if (shoff === 0 || shentsize < 64 || shnum === 0 || shstrndx >= shnum) return [];
    const shdrs = readAt(fd, shoff, shentsize * shnum);
    const strOff = Number(shdrs.readBigUInt64LE(shstrndx * shentsize + 0x18));
    const strSize = Number(shdrs.readBigUInt64LE(shstrndx * shentsize + 0x20));
    const strtab = readAt(fd, strOff, Math.min(strSize, 1 << 20));
    const names: string[] = [];
    for (let i = 0; i < shnum; i++) {
      const at = shdrs.readUInt32LE(i * shentsize);
      const end = strtab.indexOf(0, at);
      names.push(strtab.toString('latin1', at, end < 0 ? strtab.length : end));
    }
    return names;
  } finally {
    closeSync(fd);
  }
}
