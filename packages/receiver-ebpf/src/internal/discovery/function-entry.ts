// The entry of the function holding an instruction, verified — a uprobe there is at an instruction
// boundary, and a uretprobe finds the return address on top of the stack. Two ways in:
// - the unwind table (.eh_frame) bounds the function, and its rules must say the return address is
//   on top of the stack at the start (a split-off cold part's rules do not: it is never an entry);
// - without one (Bun ships none): the nearest address before the instruction that is aligned, sits
//   after padding or the previous function's last jump or return, and is the target of direct calls.
// Either way the disassembler walks from the entry along the paths the code can take and must land
// on the instruction itself.
import type { ElfImage } from './elf-image.ts';
import { UnwindTable } from './eh-frame.ts';
import { directBranchesTo } from './code-refs.ts';
import { Mnemonics, readerAround, walkFunction, type FunctionBody } from './x86.ts';

const MAX_FUNCTION_BYTES = 0x10000;
const ALIGN = 16;

export interface VerifiedEntry {
  entry: number;
  body: FunctionBody;
  /** How it was found, for `targets` and logs. */
  how: string;
}

export class FunctionEntries {
  readonly #image: ElfImage;
  readonly #unwind: UnwindTable | undefined;
  readonly #bodies = new Map<number, FunctionBody | undefined>();

  constructor(image: ElfImage) {
    this.#image = image;
    this.#unwind = UnwindTable.of(image);
  }

  get hasUnwindTable(): boolean {
    return this.#unwind !== undefined;
  }

  /** For each site, its function's verified entry (absent when not sure). */
  of(sites: readonly number[]): Map<number, VerifiedEntry> {
    const out = new Map<number, VerifiedEntry>();
    const candidates = new Map<number, number[]>();
    const ranges = new Map(sites.map((site) => [site, this.#unwind?.rangeOf(site)]));
    for (const site of sites) {
      const range = ranges.get(site);
      candidates.set(site, range ? (range.entry ? [range.start] : []) : this.#paddedStarts(site));
    }
    const calls = directBranchesTo(this.#image, [...new Set([...candidates.values()].flat())]);
    for (const site of sites) {
      const fromUnwind = ranges.get(site) !== undefined;
      for (const entry of candidates.get(site) ?? []) {
        const n = calls.get(entry) ?? 0;
        if (n === 0 && !fromUnwind) continue;
        const body = this.body(entry);
        if (!body?.instructions.has(site)) continue;
        const found = fromUnwind ? 'start of its unwind-table range, return address on top of the stack there' : 'aligned, after padding';
        out.set(site, { entry, body, how: `${found}, target of ${n} direct call${n === 1 ? '' : 's'}, ${body.instructions.size} instructions walked from it reach 0x${site.toString(16)}` });
        break;
      }
    }
    return out;
  }

  /** The function walked from `entry` (remembered: several sites share a function). */
  body(entry: number): FunctionBody | undefined {
    if (!this.#bodies.has(entry)) {
      const range = this.#unwind?.rangeOf(entry);
      const limit = range?.start === entry ? range.end - entry : MAX_FUNCTION_BYTES;
      this.#bodies.set(entry, walkFunction(this.#image, entry, limit));
    }
    return this.#bodies.get(entry);
  }

  /** Aligned addresses within reach before `site` that follow padding or an unconditional end, nearest first. */
  #paddedStarts(site: number): number[] {
    const out: number[] = [];
    const reader = readerAround(this.#image, site, MAX_FUNCTION_BYTES + 16, 1);
    if (!reader) return out;
    const b = this.#image.bytes;
    try {
      for (let a = site - (site % ALIGN); a > site - MAX_FUNCTION_BYTES; a -= ALIGN) {
        const offset = this.#image.fileOffset(a);
        if (offset === undefined) break;
        const before = b[offset - 1];
        let follows = before === 0xcc || before === 0xc3 || before === 0x90; // int3 or nop padding, or a return
        const maybe = before === 0x00 || b[offset - 5] === 0xe9 || b[offset - 2] === 0xeb || b[offset - 2] === 0x66;
        for (let k = 1; !follows && maybe && k <= 11; k++) {
          const insn = reader.at(a - k); // a multi-byte nop, or a jump, ending exactly here
          follows = insn !== undefined && insn.length === k && (insn.mnemonic === Mnemonics.Nop || insn.mnemonic === Mnemonics.Jmp);
        }
        if (follows) out.push(a);
      }
    } finally {
      reader.free();
    }
    return out;
  }
}
