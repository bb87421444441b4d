// The call an instruction feeds: from the instruction that loads an anchor (a source-file string),
// the direct call that follows in the same straight run of code, and the constants put in argument
// registers around it — how `OPENSSL_PUT_ERROR(SSL, reason)` looks once compiled.
import { Flow, type FunctionBody, type Insn } from './x86.ts';

export interface CallSite {
  /** The instruction that referred to the anchor. */
  site: number;
  /** The called function. */
  callee: number;
  /** Constant arguments by register (the 32-bit register names of iced's Register). */
  constants: Map<number, number>;
}

const MAX_BEFORE = 6;
const MAX_AFTER = 12;

function ends(insn: Insn): boolean {
  return insn.flow !== Flow.Next;
}

/** The direct call after `site` in `body` with the constants set for it, or undefined when control
 * branches or leaves first (a direct jump is followed). */
export function callAfter(body: FunctionBody, site: number): CallSite | undefined {
  const at = (ip: number) => body.instructions.get(ip);
  // The straight run before the site: instructions that end exactly where the next begins.
  const ordered = [...body.instructions.keys()].sort((a, b) => a - b);
  const before: Insn[] = [];
  for (let i = ordered.indexOf(site) - 1; i >= 0 && before.length < MAX_BEFORE; i--) {
    const insn = at(ordered[i]) as Insn;
    const next = before.length > 0 ? before[before.length - 1].ip : site;
    if (insn.ip + insn.length !== next || ends(insn)) break;
    before.push(insn);
  }
  const constants = new Map<number, number>();
  for (const insn of before.reverse()) if (insn.sets) constants.set(insn.sets.register, insn.sets.value);
  let ip = site;
  for (let n = 0; n < MAX_AFTER; n++) {
    const insn = at(ip);
    if (!insn) return undefined;
    if (insn.flow === Flow.Call) return insn.target === undefined ? undefined : { site, callee: insn.target, constants };
    if (insn.sets) constants.set(insn.sets.register, insn.sets.value);
    // A compiler shares one call among several error paths: each sets its arguments, then jumps there.
    if (insn.flow === Flow.UnconditionalBranch && insn.target !== undefined) ip = insn.target;
    else if (ends(insn)) return undefined;
    else ip += insn.length;
  }
  return undefined;
}
