// OpenSSL 3 linked into a binary that exports none of it (a static build, stripped). Every error
// it raises names its function: ERR_raise() is ERR_new(); ERR_set_debug(OPENSSL_FILE, OPENSSL_LINE,
// __func__); ERR_set_error(...) — so the function that passes the file "ssl/ssl_lib.c" and the name
// "SSL_write" to one and the same callee is SSL_write (its num < 0 check raises SSL_R_BAD_LENGTH).
//   SSL_write, SSL_read, SSL_do_handshake   by their own names, from ssl/ssl_lib.c
//   SSL_ctrl (for SNI)                      ssl3_ctrl, by its name from ssl/s3_lib.c: SSL_ctrl hands it
//                                           SSL_CTRL_SET_TLSEXT_HOSTNAME with the same four arguments
//                                           (SSL_ctrl itself raises nothing and names no string)
//   SSL_write_ex, SSL_read_ex               the one other caller of ssl_write_internal/ssl_read_internal
//                                           (named by their own errors) that hands its four arguments on
//                                           untouched — true of 3.0 and 3.1; 3.2's SSL_write_ex adds a
//                                           flags argument, fails the check, and is left alone.
import { callAfter } from './call-site.ts';
import { codeReferences, directCallSites } from './code-refs.ts';
import type { ElfImage } from './elf-image.ts';
import type { FunctionEntries, VerifiedEntry } from './function-entry.ts';
import type { FoundFunction, Recognized } from './recognized.ts';
import { Flow, Mnemonics, Registers, type FunctionBody } from './x86.ts';

/** Strings whose presence makes the binary worth reading through. */
export const OPENSSL_ANCHORS = ['ssl/ssl_lib.c\0'];

const ARGUMENTS = [Registers.EDI, Registers.ESI, Registers.EDX, Registers.ECX];
const SETUP = new Set([Mnemonics.Push, Mnemonics.Endbr64, Mnemonics.Nop]);
/** Instructions that write their first operand only (a stack canary's load and store, a frame). */
const WRITES_FIRST_OPERAND = new Set([Mnemonics.Sub, Mnemonics.Add, Mnemonics.Mov, Mnemonics.Xor, Mnemonics.Lea]);

export function recognizeStaticOpenSsl(image: ElfImage, entries: FunctionEntries): Recognized | undefined {
  const sourceFile = (name: string) => image.strings(`ssl/${name}`, true).filter((s) => s.text === `ssl/${name}` || s.text.endsWith(`/ssl/${name}`));
  const libFiles = sourceFile('ssl_lib.c');
  if (libFiles.length === 0) return undefined;
  const stack = 'OpenSSL (static)';
  if (libFiles.length > 1) return { stack, functions: [], unsure: `${libFiles.length} copies of the ssl_lib.c path string` };
  const lib = libFiles[0];
  const s3 = sourceFile('s3_lib.c');

  // The reporter: the callee most ERR_raise sites of ssl_lib.c hand the file to (ERR_set_debug).
  const fileSites = entries.of(codeReferences(image, lib.vaddr));
  const votes = new Map<number, number>();
  for (const [site, e] of fileSites) {
    const call = callAfter(e.body, site);
    if (call?.constants.get(Registers.EDI) === lib.vaddr) votes.set(call.callee, (votes.get(call.callee) ?? 0) + 1);
  }
  const [reporter, reports] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
  if (reports < 3) return { stack, functions: [], unsure: `${fileSites.size} verified references to ${lib.text}, too few error reports to go by` };

  /** The functions raising an error under `func`'s name from `file`: its own body, by __func__. */
  const raisingAs = (func: string, file: { vaddr: number } | undefined): VerifiedEntry[] => {
    if (!file) return [];
    const found = new Map<number, VerifiedEntry>();
    for (const name of image.strings(func, false)) {
      for (const [site, e] of entries.of(codeReferences(image, name.vaddr))) {
        const call = callAfter(e.body, site);
        if (call?.callee === reporter && call.constants.get(Registers.EDI) === file.vaddr && call.constants.get(Registers.EDX) === name.vaddr) found.set(e.entry, e);
      }
    }
    return [...found.values()];
  };

  const functions: FoundFunction[] = [];
  const problems: string[] = [];
  const take = (symbol: string, candidates: VerifiedEntry[], facts: (e: VerifiedEntry) => string[], required: boolean) => {
    if (candidates.length === 1) functions.push({ symbol, vaddr: candidates[0].entry, facts: [...facts(candidates[0]), `entry: ${candidates[0].how}`] });
    else if (required || candidates.length > 1) problems.push(`${symbol}: ${candidates.length} candidates`);
    return candidates.length === 1 ? candidates[0] : undefined;
  };
  const named = (func: string, file: string) => () => [`raises errors as "${func}" from ${file} through ERR_set_debug at 0x${reporter.toString(16)}`];

  const write = take('SSL_write', raisingAs('SSL_write', lib), named('SSL_write', lib.text), true);
  const read = take('SSL_read', raisingAs('SSL_read', lib), named('SSL_read', lib.text), true);
  take('SSL_do_handshake', raisingAs('SSL_do_handshake', lib), named('SSL_do_handshake', lib.text), false);
  // Its errors are raised in the cases of a switch: reached through the jump table (jump-table.ts).
  const ctrl = s3.length === 1 ? raisingAs('ssl3_ctrl', s3[0]) : [];
  take('SSL_ctrl', ctrl, () => [`ssl3_ctrl (SSL_ctrl hands it the same four arguments): raises errors as "ssl3_ctrl" from ${s3[0].text}`], false);
  if (ctrl.length === 0) problems.push('SSL_ctrl: ssl3_ctrl not found, so no SNI');

  // The _ex variants: the other caller of the internal function that forwards its arguments as they came.
  for (const [symbol, internal, plain] of [['SSL_write_ex', 'ssl_write_internal', write], ['SSL_read_ex', 'ssl_read_internal', read]] as const) {
    const impl = raisingAs(internal, lib);
    if (impl.length !== 1 || !plain) continue;
    const target = impl[0].entry;
    const callers = [...directCallers(image, entries, target)].filter((e) => e.entry !== plain.entry && forwardsArguments(e.body, target));
    take(symbol, callers, () => [`calls ${internal} (0x${target.toString(16)}, named by its own errors) with its four arguments untouched`], false);
  }

  const required = ['SSL_write', 'SSL_read'];
  if (!required.every((s) => functions.some((f) => f.symbol === s))) return { stack, functions: [], unsure: `not sure of ${required.filter((s) => !functions.some((f) => f.symbol === s)).join(' and ')}: ${problems.join('; ')}` };
  return { stack, functions, ...(problems.length ? { notes: problems } : {}) };
}

/** The verified functions holding a direct call to `target`. */
function directCallers(image: ElfImage, entries: FunctionEntries, target: number): VerifiedEntry[] {
  const byEntry = new Map<number, VerifiedEntry>();
  for (const [site, e] of entries.of(directCallSites(image, target))) if (e.body.instructions.get(site)?.target === target) byEntry.set(e.entry, e);
  return [...byEntry.values()];
}

/** Whether the straight run from the entry to the first call of `target` leaves the four argument
 * registers as they came: only stack set-up before it. */
function forwardsArguments(body: FunctionBody, target: number): boolean {
  for (let ip = body.entry; ; ) {
    const insn = body.instructions.get(ip);
    if (!insn) return false;
    if (insn.flow === Flow.Call) return insn.target === target;
    if (insn.flow !== Flow.Next) return false;
    const harmless = SETUP.has(insn.mnemonic) || (WRITES_FIRST_OPERAND.has(insn.mnemonic) && !ARGUMENTS.includes(insn.writes as number));
    if (!harmless) return false;
    ip += insn.length;
  }
}
