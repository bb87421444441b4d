// The building blocks of discovery by structure, checked against a file that keeps its symbols:
// Debian's libssl.so.3, whose .dynsym (read by llvm-readelf, not by us) is the oracle for where
// each exported function starts and ends.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { callAfter } from './call-site.ts';
import { discoverByStructure } from './discover.ts';
import { codeReferences } from './code-refs.ts';
import { UnwindTable } from './eh-frame.ts';
import { ElfImage } from './elf-image.ts';
import { FunctionEntries } from './function-entry.ts';
import { decodeRange, Flow, Mnemonics, walkFunction } from './x86.ts';

const LIBSSL = realpathSync('/usr/lib/x86_64-linux-gnu/libssl.so.3');

/** Defined functions of the file's .dynsym: name -> [start, end). */
function symbolRanges(path: string): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  for (const line of execFileSync('llvm-readelf', ['--dyn-syms', '-W', path], { encoding: 'utf8' }).split('\n')) {
    const m = /^\s*\d+: ([0-9a-f]+)\s+(\d+) FUNC\s+\S+\s+\S+\s+\d+ (\w+)/.exec(line);
    if (m && Number(m[2]) > 0) out.set(m[3], { start: parseInt(m[1], 16), end: parseInt(m[1], 16) + Number(m[2]) });
  }
  return out;
}

describe('discovery building blocks, against libssl.so.3 and its own symbols', () => {
  const image = ElfImage.read(LIBSSL);
  const symbols = symbolRanges(LIBSSL);
  const inSymbol = (vaddr: number) => [...symbols].find(([, r]) => vaddr >= r.start && vaddr < r.end);

  it('the unwind table bounds every exported function exactly as its symbol does, an entry at its start', () => {
    const table = UnwindTable.of(image);
    assert.ok(table && table.size > 1000, 'an .eh_frame_hdr search table');
    assert.ok(symbols.size > 500);
    let covered = 0;
    for (const [name, range] of symbols) {
      const found = table.rangeOf(range.start);
      // A one-instruction stub may have no unwind entry of its own; any that has must match.
      if (found === undefined && range.end - range.start < 16) continue;
      assert.deepEqual(found, { ...range, entry: true }, name);
      covered++;
    }
    assert.ok(covered > symbols.size * 0.95, `${covered} of ${symbols.size}`);
  });

  it('the references to the ssl_lib.c path land in functions, whose verified entries are their symbols', () => {
    const [file] = image.strings('ssl/ssl_lib.c', true).filter((s) => s.text.endsWith('/ssl_lib.c') || s.text === 'ssl/ssl_lib.c');
    assert.ok(file, 'the path string');
    const sites = codeReferences(image, file.vaddr);
    const write = symbols.get('SSL_write')!;
    assert.ok(sites.some((s) => s >= write.start && s < write.end), 'SSL_write reports an error with it (SSL_R_BAD_LENGTH)');
    const exported = sites.filter((s) => inSymbol(s));
    assert.ok(exported.length > 50, `${exported.length} references inside exported functions`);
    const entries = new FunctionEntries(image).of(exported);
    for (const site of exported) {
      const [name, range] = inSymbol(site)!;
      // The same bytes can read as two instructions (with and without a REX prefix); the walk keeps the real one.
      if (!entries.has(site) && (entries.has(site - 1) || entries.has(site + 1))) continue;
      assert.equal(entries.get(site)?.entry, range.start, `${name}: the entry of the function holding 0x${site.toString(16)}`);
    }
    // Most are error reports: the file string goes to one function (ERR_set_debug; the others are
    // allocations and frees, which take the file too). SSL_write's is one of them.
    const callees = new Map<number, number>();
    for (const [site, e] of entries) {
      const call = callAfter(e.body, site);
      if (call) callees.set(call.callee, (callees.get(call.callee) ?? 0) + 1);
    }
    const [reporter, reports] = [...callees].sort((a, b) => b[1] - a[1])[0];
    assert.ok(reports > entries.size / 2, `one callee for most (${reports} of ${entries.size})`);
    const writeSite = [...entries.keys()].find((s) => s >= write.start && s < write.end)!;
    assert.equal(callAfter(entries.get(writeSite)!.body, writeSite)?.callee, reporter, "SSL_write's report goes there");
  });

  it('a walk from inside an instruction, or from data, is refused', () => {
    const write = symbols.get('SSL_write')!;
    const body = walkFunction(image, write.start);
    assert.ok(body && body.instructions.size > 10);
    const [file] = image.strings('ssl/ssl_lib.c', true);
    assert.equal(walkFunction(image, file.vaddr), undefined, 'a string is not code');
    // Given the function's bounds, the walk stays inside them.
    const limited = walkFunction(image, write.start, write.end - write.start)!;
    for (const ip of limited.instructions.keys()) assert.ok(ip >= write.start && ip < write.end, `0x${ip.toString(16)} within SSL_write`);
  });

  it("a walk reaches every instruction of every exported function but padding — a switch's cases through its jump table", () => {
    const padding = new Set([Mnemonics.Nop, Mnemonics.Int3]);
    let switches = 0;
    for (const [name, { start, end }] of symbols) {
      const body = walkFunction(image, start, end - start);
      const linear = decodeRange(image, start, end);
      assert.ok(body && linear, name);
      const missed = linear.filter((i) => !body.instructions.has(i.ip) && !padding.has(i.mnemonic));
      assert.deepEqual(missed.map((i) => `0x${i.ip.toString(16)}`), [], `${name}: unreached`);
      const decoded = new Set(linear.map((i) => i.ip));
      assert.ok([...body.instructions.keys()].every((ip) => decoded.has(ip)), `${name}: every instruction walked is one the range decodes to`);
      if (linear.some((i) => i.flow === Flow.IndirectBranch)) switches++;
    }
    assert.ok(switches >= 5, `${switches} functions with an indirect jump (SSL_ctrl, SSL_alert_desc_string_long, ...)`);
  });
});

describe('static OpenSSL found by structure, against the same build with its symbols', () => {
  it('every function found in the stripped copy is where the unstripped build says it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oisp-discovery-'));
    const built = join(dir, 'client');
    execFileSync('gcc', ['-O2', '-static', '-o', built, join(import.meta.dirname, '../../../test/static-openssl-client.c'), '-lssl', '-lcrypto'], { stdio: 'ignore' });
    const symbols = new Map(execFileSync('nm', [built], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')).filter((f) => f[1] === 'T').map((f) => [f[2], parseInt(f[0], 16)]));
    const stripped = join(dir, 'stripped');
    copyFileSync(built, stripped);
    execFileSync('strip', ['--strip-all', stripped]);
    const [openssl] = discoverByStructure(stripped).stacks;
    assert.equal(openssl.stack, 'OpenSSL (static)');
    assert.deepEqual(openssl.functions.map((f) => f.symbol).sort(), ['SSL_ctrl', 'SSL_do_handshake', 'SSL_read', 'SSL_read_ex', 'SSL_write', 'SSL_write_ex']);
    // SSL_ctrl is hooked at ssl3_ctrl, which it hands SSL_CTRL_SET_TLSEXT_HOSTNAME untouched.
    const standsFor = (symbol: string) => (symbol === 'SSL_ctrl' ? 'ssl3_ctrl' : symbol);
    for (const f of openssl.functions) assert.equal(f.vaddr, symbols.get(standsFor(f.symbol)), f.symbol);
  });
});
