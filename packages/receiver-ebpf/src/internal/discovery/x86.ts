// x86-64 decoding for discovery, by iced-x86 (a maintained disassembler, WebAssembly, no native
// dependency): single instructions, and the instructions a function reaches from its entry.
import iced from 'iced-x86';
import type { Decoder as IcedDecoder, Instruction as IcedInstruction } from 'iced-x86';
import type { ElfImage } from './elf-image.ts';
import { jumpTableTargets } from './jump-table.ts';

const { Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic, OpKind, Register, RegisterExt } = iced;

/** What discovery needs of one instruction, as plain numbers (no wasm object outlives a call). */
export interface Insn {
  ip: number;
  length: number;
  flow: number;
  mnemonic: number;
  /** A direct branch's or call's destination. */
  target?: number;
  /** A RIP-relative memory operand's address, or an absolute one (no base, no index). */
  memory?: number;
  /** `mov r, imm`, `lea r, [address]` or `xor r, r`: the register (32-bit name) and the value it gets. */
  sets?: { register: number; value: number };
  /** An immediate operand, whatever the instruction. */
  immediate?: number;
  /** The register its first operand names (32-bit name), when that operand is a register: what
   * most instructions write. */
  writes?: number;
  /** Operands as iced names them (OpKind), their registers (full 64-bit names, gpr64), and a memory
   * operand's base, index, scale and displacement: for following values through registers. */
  op0Kind: number;
  op1Kind: number;
  op0Register: number;
  op1Register: number;
  memBase: number;
  memIndex: number;
  scale: number;
  displacement: number;
}

export const Flow = FlowControl;
export const Mnemonics = Mnemonic;
export const Registers = Register;
export const OpKinds = OpKind;

/** The 64-bit name of a general register, whatever width names it (EDI, DI, DIL: RDI). */
export function gpr64(register: number): number {
  return RegisterExt.isGPR(register) ? RegisterExt.fullRegister(register) : register;
}

/** The 32-bit name of a general register (RDI and EDI are the same argument). */
function gpr32(register: number): number {
  return RegisterExt.isGPR(register) ? RegisterExt.fullRegister32(register) : register;
}

function immediateOf(instr: IcedInstruction, op: number): number | undefined {
  const kind = instr.opKind(op);
  if (kind === OpKind.Immediate32 || kind === OpKind.Immediate8to32 || kind === OpKind.Immediate8) return instr.immediate32 >>> 0;
  if (kind === OpKind.Immediate32to64 || kind === OpKind.Immediate64 || kind === OpKind.Immediate8to64) return Number(BigInt.asUintN(64, instr.immediate(op)));
  return undefined;
}

function simplify(instr: IcedInstruction): Insn {
  const count = instr.opCount;
  const out: Insn = {
    ip: Number(instr.ip),
    length: instr.length,
    flow: instr.flowControl,
    mnemonic: instr.mnemonic,
    op0Kind: count > 0 ? instr.op0Kind : -1,
    op1Kind: count > 1 ? instr.op1Kind : -1,
    op0Register: count > 0 && instr.op0Kind === OpKind.Register ? gpr64(instr.op0Register) : Register.None,
    op1Register: count > 1 && instr.op1Kind === OpKind.Register ? gpr64(instr.op1Register) : Register.None,
    memBase: instr.memoryBase,
    memIndex: instr.memoryIndex,
    scale: instr.memoryIndexScale,
    displacement: Number(BigInt.asIntN(64, instr.memoryDisplacementU64)),
  };
  if (instr.flowControl === FlowControl.Call || instr.flowControl === FlowControl.UnconditionalBranch || instr.flowControl === FlowControl.ConditionalBranch) {
    const kind = instr.op0Kind;
    if (kind === OpKind.NearBranch64 || kind === OpKind.NearBranch32) out.target = Number(instr.nearBranchTarget);
  }
  for (let op = 0; op < instr.opCount; op++) {
    const kind = instr.opKind(op);
    if (kind === OpKind.Memory) {
      if (instr.isIpRelMemoryOperand) out.memory = Number(instr.ipRelMemoryAddress);
      else if (instr.memoryBase === Register.None && instr.memoryIndex === Register.None) out.memory = Number(instr.memoryDisplacementU64);
    } else if (out.immediate === undefined) out.immediate = immediateOf(instr, op);
  }
  if (instr.opCount > 0 && instr.op0Kind === OpKind.Register) out.writes = gpr32(instr.op0Register);
  if (instr.mnemonic === Mnemonic.Mov && instr.op0Kind === OpKind.Register && out.immediate !== undefined) {
    out.sets = { register: gpr32(instr.op0Register), value: out.immediate };
  } else if (instr.mnemonic === Mnemonic.Lea && instr.op0Kind === OpKind.Register && out.memory !== undefined) {
    out.sets = { register: gpr32(instr.op0Register), value: out.memory }; // an address loaded: a string's, say
  } else if (instr.mnemonic === Mnemonic.Xor && instr.op0Kind === OpKind.Register && instr.op1Kind === OpKind.Register && instr.op0Register === instr.op1Register) {
    out.sets = { register: gpr32(instr.op0Register), value: 0 };
  }
  return out;
}

/** Decodes `code` (machine code at virtual address `base`) at the given addresses. */
export class CodeReader {
  readonly #decoder: IcedDecoder;
  readonly #instr = new Instruction();
  readonly #base: number;
  readonly #end: number;

  constructor(code: Uint8Array, base: number) {
    this.#decoder = new Decoder(64, code, DecoderOptions.None);
    this.#base = base;
    this.#end = base + code.length;
  }

  /** The instruction at `ip`, or undefined when it is not inside this code or not a valid one. */
  at(ip: number): Insn | undefined {
    if (ip < this.#base || ip >= this.#end) return undefined;
    this.#decoder.position = ip - this.#base;
    this.#decoder.ip = BigInt(ip);
    this.#decoder.decodeOut(this.#instr);
    return this.#instr.isInvalid ? undefined : simplify(this.#instr);
  }

  free(): void {
    this.#instr.free();
    this.#decoder.free();
  }
}

/** A reader over the code section holding `vaddr`, from `vaddr - before` to `vaddr + after`. */
export function readerAround(image: ElfImage, vaddr: number, before: number, after: number): CodeReader | undefined {
  const section = image.code.find((s) => vaddr >= s.addr && vaddr < s.addr + s.size);
  if (!section) return undefined;
  const from = Math.max(section.addr, vaddr - before);
  const to = Math.min(section.addr + section.size, vaddr + after);
  return new CodeReader(image.contents(section).subarray(from - section.addr, to - section.addr), from);
}

/** The instructions of a function: every one reachable from its entry through direct branches (and
 * the jump tables of switches) that stay within `limit` bytes of it. */
export interface FunctionBody {
  entry: number;
  instructions: Map<number, Insn>;
}

/**
 * Walks a function from `entry` the way the CPU could run it: straight on, both ways at a
 * conditional branch, to the target of a direct jump or to each case of a switch's jump table; a
 * call returns to the next instruction; a return, any other indirect jump, a trap or a tail jump
 * out of range ends the path. Undefined when a
 * path meets bytes that are not a valid instruction, or an instruction that overlaps another
 * decoded one — `entry` is then not the start of code.
 */
export function walkFunction(image: ElfImage, entry: number, limit = 0x10000): FunctionBody | undefined {
  const reader = readerAround(image, entry, 0, limit);
  if (!reader) return undefined;
  const instructions = new Map<number, Insn>();
  const covered = new Map<number, number>(); // byte -> start of the instruction covering it
  const pending = [entry];
  try {
    while (pending.length > 0) {
      let ip = pending.pop() as number;
      const run: Insn[] = []; // the straight run so far, where a jump table's dispatch is read
      while (!instructions.has(ip)) {
        const covering = covered.get(ip);
        if (covering !== undefined) return undefined; // lands inside another instruction
        const insn = reader.at(ip);
        if (!insn) return undefined;
        instructions.set(ip, insn);
        run.push(insn);
        for (let b = 1; b < insn.length; b++) {
          if (instructions.has(ip + b)) return undefined;
          covered.set(ip + b, ip);
        }
        const inRange = (t: number | undefined): t is number => t !== undefined && t >= entry && t < entry + limit;
        if (insn.flow === FlowControl.ConditionalBranch) {
          if (inRange(insn.target)) pending.push(insn.target);
        } else if (insn.flow === FlowControl.UnconditionalBranch) {
          if (inRange(insn.target)) pending.push(insn.target);
          break;
        } else if (insn.flow === FlowControl.IndirectBranch) {
          for (const target of jumpTableTargets(image, run) ?? []) if (inRange(target)) pending.push(target);
          break;
        } else if (insn.flow === FlowControl.Return || insn.flow === FlowControl.Interrupt || insn.flow === FlowControl.Exception) {
          break;
        }
        ip += insn.length;
        if (ip >= entry + limit) break;
      }
    }
  } finally {
    reader.free();
  }
  return { entry, instructions };
}

/** Every instruction of [start, end), decoded one after the other: a function as its unwind table
 * bounds it (a jump table's targets included, even in a shape jump-table.ts does not follow). Undefined when a byte
 * sequence in it is not an instruction. */
export function decodeRange(image: ElfImage, start: number, end: number): Insn[] | undefined {
  const reader = readerAround(image, start, 0, end - start);
  if (!reader) return undefined;
  const out: Insn[] = [];
  try {
    for (let ip = start; ip < end; ) {
      const insn = reader.at(ip);
      if (!insn) return undefined;
      out.push(insn);
      ip += insn.length;
    }
  } finally {
    reader.free();
  }
  return out;
}
