// A switch compiled to a jump table leaves the walk by an indirect jump, so the cases behind it are
// never reached — OpenSSL's ssl3_ctrl raises its SNI errors from such cases. Position-independent
// code from gcc and clang dispatches in one shape, in one straight run:
//   cmp idx, N;  ja default;  lea base, [rip+T];  movsxd x, [base+idx*4];  add x, base;  jmp x
// with other instructions between (moves that leave the flags alone between the compare and the
// branch; copies of idx, before or after the compare, which share its bound; nothing else writing
// idx, base or x). Only that
// shape is followed: its N+1 targets are T plus the table's 32-bit entries, read from the image —
// what the CPU can do there, no more. Anything else stays a dead end, as before.
import iced from 'iced-x86';
import type { ElfImage } from './elf-image.ts';
import { gpr64, type Insn } from './x86.ts';

const { FlowControl, Mnemonic, OpKind } = iced;

/** No switch in a TLS library has more cases; a bigger bound is not a jump table we understand. */
const MAX_ENTRIES = 4096;
/** Instructions that leave the flags as they were: what may stand between the compare and `ja`. */
const KEEPS_FLAGS = new Set([Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsxd, Mnemonic.Lea, Mnemonic.Nop]);
const COPIES = new Set([Mnemonic.Mov, Mnemonic.Movzx]);

/** The targets of the jump table `run` (a straight run of instructions) ends in, or undefined. */
export function jumpTableTargets(image: ElfImage, run: readonly Insn[]): number[] | undefined {
  const jmp = run[run.length - 1];
  if (!jmp || jmp.flow !== FlowControl.IndirectBranch || jmp.op0Kind !== OpKind.Register) return undefined;
  const writes = (insn: Insn, register: number) => insn.op0Kind === OpKind.Register && insn.op0Register === register;
  /** The last instruction before index `before` that may write `register` (a call may write any). */
  const writer = (register: number, before: number): number => {
    for (let k = before - 1; k >= 0; k--) if (run[k].flow === FlowControl.Call || writes(run[k], register)) return k;
    return -1;
  };
  const x = jmp.op0Register;
  const add = writer(x, run.length - 1);
  if (add < 0 || run[add].mnemonic !== Mnemonic.Add || run[add].op1Kind !== OpKind.Register) return undefined;
  const base = run[add].op1Register;
  const load = writer(x, add);
  const entry = run[load];
  if (load < 0 || entry.mnemonic !== Mnemonic.Movsxd || entry.op1Kind !== OpKind.Memory || entry.memBase !== base || entry.scale !== 4 || entry.displacement !== 0) return undefined;
  const lea = writer(base, add);
  if (lea < 0 || lea > load || run[lea].mnemonic !== Mnemonic.Lea || run[lea].memory === undefined) return undefined;
  const table = run[lea].memory as number;

  // The bound: the last conditional branch before the load is `ja` after `cmp r, N` (only moves
  // between them), and the load's index is r or a copy of it made since.
  let ja = load - 1;
  while (ja >= 0 && run[ja].flow !== FlowControl.ConditionalBranch) ja--;
  if (ja < 1 || run[ja].mnemonic !== Mnemonic.Ja) return undefined;
  let cmp = ja - 1;
  while (cmp >= 0 && KEEPS_FLAGS.has(run[cmp].mnemonic)) cmp--;
  const compare = run[cmp];
  if (cmp < 0 || compare.mnemonic !== Mnemonic.Cmp || compare.op0Kind !== OpKind.Register || compare.immediate === undefined) return undefined;
  const compared = compare.op0Register;
  const bounded = new Set([compared]);
  // Copies of it made before the compare and intact since (movzx eax, dil; cmp dil, N) share the bound.
  const since = new Set<number>();
  for (let k = cmp - 1; k >= 0 && run[k].flow !== FlowControl.Call; k--) {
    const insn = run[k];
    if (insn.op0Kind !== OpKind.Register) continue;
    const to = insn.op0Register;
    if (COPIES.has(insn.mnemonic) && insn.op1Kind === OpKind.Register && insn.op1Register === compared && !since.has(to) && !since.has(compared)) bounded.add(to);
    if (to === compared) break;
    since.add(to);
  }
  for (let k = cmp + 1; k < load; k++) {
    const insn = run[k];
    if (insn.flow === FlowControl.Call) return undefined;
    if (insn.op0Kind !== OpKind.Register) continue;
    const copied = COPIES.has(insn.mnemonic) && insn.op1Kind === OpKind.Register && bounded.has(insn.op1Register);
    if (copied) bounded.add(insn.op0Register);
    else bounded.delete(insn.op0Register);
  }
  if (!bounded.has(gpr64(entry.memIndex))) return undefined;

  const entries = compare.immediate + 1;
  const offset = image.fileOffset(table);
  if (entries > MAX_ENTRIES || offset === undefined || image.fileOffset(table + entries * 4 - 1) !== offset + entries * 4 - 1) return undefined;
  const targets: number[] = [];
  for (let i = 0; i < entries; i++) targets.push(table + image.bytes.readInt32LE(offset + i * 4));
  return targets;
}
