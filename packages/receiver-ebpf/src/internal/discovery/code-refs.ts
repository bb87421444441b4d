// Where machine code refers to an address: a RIP-relative operand (position-independent code), or
// the address as an immediate or absolute operand (code linked at a fixed address). Bytes suggest
// the candidates; the disassembler confirms each one.
import type { ElfImage } from './elf-image.ts';
import { readerAround } from './x86.ts';

/** Instruction addresses whose operand is `target`. Each is a valid instruction read from where it
 * starts; whether it is on a path the program runs is for the function walk to say. */
export function codeReferences(image: ElfImage, target: number): number[] {
  return [...codeReferencesToAny(image, new Set([target])).keys()].sort((a, b) => a - b);
}

/** Every instruction whose operand is one of `targets`, with the target it names: one pass over the
 * code for all of them. */
export function codeReferencesToAny(image: ElfImage, targets: ReadonlySet<number>): Map<number, number> {
  const found = new Map<number, number>();
  if (targets.size === 0) return found;
  const lo = Math.min(...targets);
  const hi = Math.max(...targets);
  for (const section of image.code) {
    const code = image.contents(section);
    const candidates: { start: number; end: number; target: number }[] = [];
    // RIP-relative: a ModRM byte with mod=00 rm=101, then disp32 = target - (end of instruction).
    // Most such instructions end right after the displacement (lea, mov load/store).
    for (let i = 1; i + 4 <= code.length; i++) {
      if ((code[i - 1] & 0xc7) !== 0x05) continue;
      const t = section.addr + i + 4 + code.readInt32LE(i);
      if (t >= lo && t <= hi && targets.has(t)) candidates.push({ start: i - 1, end: i + 4, target: t });
    }
    // Absolute: the address's four bytes as an immediate or a displacement (below 2 GiB only).
    if (!image.pie && lo < 0x80000000) {
      if (targets.size <= 8) {
        // A few targets: a memchr-speed search for each one's bytes.
        for (const t of targets) {
          const needle = Buffer.alloc(4);
          needle.writeUInt32LE(t);
          for (let at = code.indexOf(needle); at !== -1; at = code.indexOf(needle, at + 1)) candidates.push({ start: at, end: at + 4, target: t });
        }
      } else {
        for (let i = 0; i + 4 <= code.length; i++) {
          const t = code.readUInt32LE(i);
          if (t >= lo && t <= hi && targets.has(t)) candidates.push({ start: i, end: i + 4, target: t });
        }
      }
    }
    for (const { start, end, target } of candidates) {
      // The instruction holding these bytes starts up to 6 bytes before them (prefixes, REX, opcode, ModRM, SIB).
      const ip = section.addr + start;
      const reader = readerAround(image, ip, 7, 16);
      if (!reader) continue;
      try {
        for (let from = ip - 6; from <= ip; from++) {
          const insn = reader.at(from);
          if (insn && insn.ip + insn.length >= section.addr + end && (insn.memory === target || insn.immediate === target)) found.set(from, target);
        }
      } finally {
        reader.free();
      }
    }
  }
  return found;
}

/**
 * How many direct calls and jumps (E8/E9 rel32) land on each of `addresses`, over all the code.
 * A byte pattern, not a disassembly: it can count a few that are not real, never miss a real one.
 */
export function directBranchesTo(image: ElfImage, addresses: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>(addresses.map((a) => [a, 0]));
  if (addresses.length === 0) return counts;
  const lo = Math.min(...addresses);
  const hi = Math.max(...addresses);
  for (const section of image.code) {
    const code = image.contents(section);
    for (let i = 0; i + 5 <= code.length; i++) {
      const op = code[i];
      if (op !== 0xe8 && op !== 0xe9) continue;
      const t = section.addr + i + 5 + code.readInt32LE(i + 1);
      if (t < lo || t > hi) continue;
      const n = counts.get(t);
      if (n !== undefined) counts.set(t, n + 1);
    }
  }
  return counts;
}

/** Every direct call (E8 rel32) whose destination is `target`: candidates, for the walk to confirm. */
export function directCallSites(image: ElfImage, target: number): number[] {
  const sites: number[] = [];
  for (const section of image.code) {
    const code = image.contents(section);
    for (let i = 0; i + 5 <= code.length; i++) if (code[i] === 0xe8 && section.addr + i + 5 + code.readInt32LE(i + 1) === target) sites.push(section.addr + i);
  }
  return sites;
}
