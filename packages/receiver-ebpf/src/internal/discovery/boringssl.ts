// BoringSSL linked into a stripped binary (Bun, and other static builds). Its errors are reported
// as OPENSSL_PUT_ERROR(SSL, reason) — ERR_put_error(ERR_LIB_SSL, 0, reason, __FILE__, __LINE__) —
// and the functions of ssl/ssl_lib.cc are told apart by which reasons they report:
//   SSL_write           SSL_R_BAD_LENGTH and SSL_R_UNINITIALIZED
//   ssl_read_impl       SSL_R_UNINITIALIZED and SSL_R_SSL_HANDSHAKE_FAILURE (no SSL_R_BAD_LENGTH)
//   SSL_read            ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED, and calls ssl_read_impl
//   SSL_do_handshake    SSL_R_CONNECTION_TYPE_NOT_SET
//   SSL_set_tlsext_host_name  SSL_R_SSL3_EXT_INVALID_SERVERNAME
// Line numbers and code change from release to release; these pairings have held for years.
import type { ElfImage } from './elf-image.ts';
import { callAfter, type CallSite } from './call-site.ts';
import { codeReferences } from './code-refs.ts';
import type { FunctionEntries, VerifiedEntry } from './function-entry.ts';
import { Flow, Registers } from './x86.ts';
import type { Recognized } from './recognized.ts';

const ERR_LIB_SSL = 16;
const R = {
  SHOULD_NOT_HAVE_BEEN_CALLED: 66, // ERR_R_FATAL | 2
  BAD_LENGTH: 111,
  CONNECTION_TYPE_NOT_SET: 134,
  SSL3_EXT_INVALID_SERVERNAME: 213,
  SSL_HANDSHAKE_FAILURE: 215,
  UNINITIALIZED: 226,
} as const;
const REASON_NAMES = new Map<number, string>(Object.entries(R).map(([k, v]) => [v, k]));

interface ErrorFunction {
  entry: VerifiedEntry;
  reasons: Set<number>;
}

/** Strings whose presence makes the binary worth reading through. */
export const BORINGSSL_ANCHORS = ['ssl/ssl_lib.cc\0'];

export function recognizeBoringSsl(image: ElfImage, entries: FunctionEntries): Recognized | undefined {
  const anchors = image.strings('ssl/ssl_lib.cc', true).filter((s) => s.text === 'ssl/ssl_lib.cc' || s.text.endsWith('/ssl/ssl_lib.cc'));
  if (anchors.length === 0) return undefined;
  const stack = 'BoringSSL';
  if (anchors.length > 1) return { stack, functions: [], unsure: `${anchors.length} copies of the ssl_lib.cc path string; which one is BoringSSL's is not clear` };
  const anchor = anchors[0];
  const sites = codeReferences(image, anchor.vaddr);
  const bySite = entries.of(sites);

  // Each error report: the call after the string is loaded, ERR_LIB_SSL in the first argument.
  const calls: { call: CallSite; entry: VerifiedEntry }[] = [];
  for (const [site, entry] of bySite) {
    const call = callAfter(entry.body, site);
    if (call && call.constants.get(Registers.EDI) === ERR_LIB_SSL && call.constants.has(Registers.EDX)) calls.push({ call, entry });
  }
  // ERR_put_error is the one callee nearly all of them share.
  const votes = new Map<number, number>();
  for (const { call } of calls) votes.set(call.callee, (votes.get(call.callee) ?? 0) + 1);
  const [reporter, reports] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
  if (reports < 3) return { stack, functions: [], unsure: `${sites.length} references to "${anchor.text}", ${bySite.size} in verified functions, ${calls.length} error reports: too few to tell the functions apart` };

  const functions = new Map<number, ErrorFunction>();
  for (const { call, entry } of calls) {
    if (call.callee !== reporter) continue;
    const f = functions.get(entry.entry) ?? { entry, reasons: new Set<number>() };
    f.reasons.add(call.constants.get(Registers.EDX) as number);
    functions.set(entry.entry, f);
  }
  const withReasons = (...need: number[]) => [...functions.values()].filter((f) => need.every((r) => f.reasons.has(r)));

  const found: Recognized['functions'] = [];
  const problems: string[] = [];
  const describe = (symbol: string, f: ErrorFunction, extra: string[] = []) =>
    found.push({
      symbol,
      vaddr: f.entry.entry,
      facts: [
        `reports ${[...f.reasons].map((r) => REASON_NAMES.get(r) ?? r).join(', ')} from ${anchor.text} through ERR_put_error at 0x${reporter.toString(16)}`,
        `entry: ${f.entry.how}`,
        ...extra,
      ],
    });
  const one = (symbol: string, candidates: ErrorFunction[], required: boolean, extra: (f: ErrorFunction) => string[] = () => []) => {
    if (candidates.length === 1) describe(symbol, candidates[0], extra(candidates[0]));
    else if (required || candidates.length > 1) problems.push(`${symbol}: ${candidates.length} candidates`);
    return candidates.length === 1 ? candidates[0] : undefined;
  };

  const write = one('SSL_write', withReasons(R.BAD_LENGTH, R.UNINITIALIZED), true);
  const readImpl = withReasons(R.UNINITIALIZED, R.SSL_HANDSHAKE_FAILURE).filter((f) => f !== write && !f.reasons.has(R.BAD_LENGTH));
  if (readImpl.length !== 1) problems.push(`ssl_read_impl: ${readImpl.length} candidates`);
  else {
    const impl = readImpl[0].entry.entry;
    const callsImpl = (f: ErrorFunction) => [...f.entry.body.instructions.values()].some((i) => i.flow === Flow.Call && i.target === impl);
    one('SSL_read', withReasons(R.SHOULD_NOT_HAVE_BEEN_CALLED).filter((f) => f !== write && callsImpl(f)), true, () => [`calls ssl_read_impl at 0x${impl.toString(16)} (${readImpl[0].entry.how})`]);
  }
  one('SSL_do_handshake', withReasons(R.CONNECTION_TYPE_NOT_SET), false);
  one('SSL_set_tlsext_host_name', withReasons(R.SSL3_EXT_INVALID_SERVERNAME), false);

  const required = ['SSL_write', 'SSL_read'];
  if (!required.every((s) => found.some((f) => f.symbol === s))) {
    return { stack, functions: [], unsure: `not sure of ${required.filter((s) => !found.some((f) => f.symbol === s)).join(' and ')}: ${problems.join('; ')}` };
  }
  return { stack, functions: found, ...(problems.length ? { notes: problems } : {}) };
}
