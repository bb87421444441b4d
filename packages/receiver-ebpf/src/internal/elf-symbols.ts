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
