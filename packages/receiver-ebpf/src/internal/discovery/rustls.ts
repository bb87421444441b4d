// rustls 0.23, compiled into a stripped Rust binary (turbo, and any reqwest/hyper-rustls client).
// Rust keeps a panic-location record {file, line, column} for each bounds check, and rustls keeps
// its unexpected-EOF message; from those:
//   Reader::read            the one function holding both the EOF message and ChunkVecBuffer::read's
//                           vecbuf.rs location (inlined into it): the plaintext the application reads
//   buffer_plaintext        CommonState::buffer_plaintext, where every plaintext write ends up once
//                           Writer::write and PlaintextSink are inlined: the one callee of
//                           tokio-rustls's poll_write that calls an OutboundChunks helper (an
//                           outbound.rs location) and is handed an OutboundChunks::Single built on the
//                           stack. poll_write is the tokio-rustls function that calls write_tls (the
//                           other vecbuf.rs location); poll_read, the one that calls Reader::read.
// The write side sees the connection as its CommonState; the read side as the received-plaintext
// buffer inside it. Their distance K is a layout fact of each build: every poll_read builds its Reader
// from stream + R, every poll_write passes stream + S, and K is the one offset mapping each R onto an S.
import type { ElfImage } from './elf-image.ts';
import { codeReferencesToAny, directCallSites } from './code-refs.ts';
import { UnwindTable } from './eh-frame.ts';
import type { FunctionEntries } from './function-entry.ts';
import type { FoundFunction, Recognized } from './recognized.ts';
import { decodeRange, Flow, Mnemonics, OpKinds, Registers, type Insn } from './x86.ts';

const EOF_MESSAGE = 'peer closed connection without sending TLS close_notify';

/** Strings whose presence makes the binary worth reading through. */
export const RUSTLS_ANCHORS = [EOF_MESSAGE];

const SHT_PROGBITS = 1;
const SHT_RELA = 4;
const R_X86_64_RELATIVE = 8;
const SOURCE = /(?:^|\/)((?:tokio-)?rustls)(?:-(\d+\.\d+\.\d+)[^/]*)?\/src\/(.+\.rs)$/;

interface Location {
  record: number;
  crate: string;
  version: string;
  file: string;
  line: number;
}

interface Fn {
  start: number;
  end: number;
  entry: boolean;
  insns: Insn[];
  locations: Location[];
  eof: boolean;
}

export function recognizeRustls(image: ElfImage, _entries: FunctionEntries): Recognized | undefined {
  const readOnly = image.sections.filter((s) => s.addr !== 0 && s.type === SHT_PROGBITS && s.flags & 0x2 && !(s.flags & 0x5));
  const eofMessages: number[] = [];
  for (const s of readOnly) {
    const data = image.contents(s);
    for (let at = data.indexOf(EOF_MESSAGE); at !== -1; at = data.indexOf(EOF_MESSAGE, at + 1)) eofMessages.push(s.addr + at);
  }
  if (eofMessages.length === 0) return undefined;
  const locations = rustLocations(image, readOnly);
  const versions = [...new Set(locations.filter((l) => l.crate === 'rustls').map((l) => l.version))];
  const stack = versions.length > 0 ? `rustls ${versions.join(', ')}` : 'rustls';
  const unsure = (why: string): Recognized => ({ stack, functions: [], unsure: why });
  if (versions.length !== 1) return unsure(versions.length ? 'more than one rustls linked' : 'no rustls panic locations (built without them?)');
  if (!versions[0].startsWith('0.23.')) return unsure(`only rustls 0.23's plaintext functions are known (this is ${versions[0]})`);
  const unwind = UnwindTable.of(image);
  if (!unwind) return unsure('no unwind table to bound its functions');

  // Every function referring to a location record or to the EOF message, decoded whole.
  const byRecord = new Map(locations.map((l) => [l.record, l]));
  const targets = new Set([...byRecord.keys(), ...eofMessages]);
  const functions = new Map<number, Fn>();
  const fnAt = (start: number): Fn | undefined => {
    const known = functions.get(start);
    if (known) return known;
    const range = unwind.rangeOf(start);
    if (!range || range.start !== start) return undefined;
    const insns = decodeRange(image, range.start, range.end);
    if (!insns) return undefined;
    const fn = { ...range, insns, locations: [], eof: false };
    functions.set(start, fn);
    return fn;
  };
  for (const [site, target] of codeReferencesToAny(image, targets)) {
    const range = unwind.rangeOf(site);
    const fn = range && fnAt(range.start);
    if (!fn || !fn.insns.some((i) => i.ip === site)) continue; // not an instruction of it: a false byte match
    const location = byRecord.get(target);
    if (location) fn.locations.push(location);
    else fn.eof = true;
  }
  const all = [...functions.values()];
  const has = (fn: Fn, crate: string, file: RegExp) => fn.locations.some((l) => l.crate === crate && file.test(l.file));
  const calls = (fn: Fn) => new Set(fn.insns.filter((i) => i.flow === Flow.Call && i.target !== undefined).map((i) => i.target as number));
  const hex = (n: number) => `0x${n.toString(16)}`;

  const readers = all.filter((f) => f.eof && has(f, 'rustls', /^vecbuf\.rs$/));
  if (readers.length !== 1) return unsure(`Reader::read: ${readers.length} functions hold both the EOF message and a vecbuf.rs location`);
  const reader = readers[0];
  const loadsReader = reader.insns.slice(0, 24).some((i) => i.mnemonic === Mnemonics.Mov && i.op1Kind === OpKinds.Memory && i.memBase === Registers.RDI && i.displacement === 0);
  if (!reader.entry || !loadsReader) return unsure(`Reader::read at ${hex(reader.start)}: ${reader.entry ? 'does not load the Reader it is given' : 'not a function entry by its unwind rules'}`);

  const writeTls = new Set(all.filter((f) => f !== reader && has(f, 'rustls', /^vecbuf\.rs$/)).map((f) => f.start));
  const outbound = new Set(all.filter((f) => has(f, 'rustls', /message\/outbound\.rs$/)).map((f) => f.start));
  const tokio = all.filter((f) => f.locations.some((l) => l.crate === 'tokio-rustls'));
  const pollRead = tokio.filter((f) => calls(f).has(reader.start));
  const pollWrite = tokio.filter((f) => [...calls(f)].some((c) => writeTls.has(c)));
  if (pollRead.length === 0 || pollWrite.length === 0) return unsure(`no tokio-rustls poll_read/poll_write found (${pollRead.length}/${pollWrite.length}): the write side has no other anchor yet`);

  // buffer_plaintext: called from poll_write with an OutboundChunks::Single built on the stack.
  const sinks = new Map<number, Fn>();
  for (const f of pollWrite) {
    f.insns.forEach((i, at) => {
      if (i.flow !== Flow.Call || i.target === undefined || writeTls.has(i.target)) return;
      const callee = fnAt(i.target);
      if (!callee?.entry) return;
      const helps = callee.insns.some((c) => (c.flow === Flow.Call || c.flow === Flow.UnconditionalBranch) && c.target !== undefined && outbound.has(c.target));
      const single = f.insns.slice(Math.max(0, at - 14), at).some((b) => b.mnemonic === Mnemonics.Mov && b.op0Kind === OpKinds.Memory && b.memBase === Registers.RSP && b.immediate === 0);
      if (helps && single) sinks.set(callee.start, callee);
    });
  }
  if (sinks.size !== 1) return unsure(`buffer_plaintext: ${sinks.size} candidates among poll_write's callees`);
  const sink = [...sinks.values()][0];

  const K = readerOffset(pollRead, pollWrite, reader.start, sink.start);
  if (K === undefined) return unsure('the received-plaintext buffer\'s place in CommonState could not be told from poll_read and poll_write');

  const found: FoundFunction[] = [
    {
      symbol: 'rustls_reader_read',
      vaddr: reader.start,
      facts: [
        `<Reader as io::Read>::read: the one function holding rustls's unexpected-EOF message and a vecbuf.rs location (ChunkVecBuffer::read, inlined)`,
        `entry: start of its unwind-table range, return address on top of the stack there; loads the Reader it is given; called by ${pollRead.length} tokio-rustls poll_read`,
        `the connection: the Reader's buffer minus ${hex(K)} (its place in CommonState)`,
      ],
    },
    {
      symbol: 'rustls_buffer_plaintext',
      vaddr: sink.start,
      facts: [
        `CommonState::buffer_plaintext: the one callee of tokio-rustls's poll_write (${pollWrite.map((f) => hex(f.start)).join(', ')}) that calls an OutboundChunks helper and is handed an OutboundChunks::Single built on the stack`,
        `entry: start of its unwind-table range, return address on top of the stack there; ${directCallSites(image, sink.start).length} direct calls`,
      ],
    },
  ];
  return { stack, functions: found, identityOffset: K };
}

/** rustls's panic-location records: {file pointer, file length, line, column}, the pointer a
 * relative relocation (position-independent) or a plain address, the file a rustls source. */
function rustLocations(image: ElfImage, readOnly: ElfImage['sections']): Location[] {
  const inReadOnly = (v: number) => readOnly.some((s) => v >= s.addr && v < s.addr + s.size);
  const pointers: [number, number][] = [];
  for (const rela of image.sections.filter((s) => s.type === SHT_RELA)) {
    const data = image.contents(rela);
    for (let i = 0; i + 24 <= data.length; i += 24) {
      if (data.readUInt32LE(i + 8) !== R_X86_64_RELATIVE) continue;
      const addend = Number(data.readBigInt64LE(i + 16));
      if (inReadOnly(addend)) pointers.push([Number(data.readBigUInt64LE(i)), addend]);
    }
  }
  if (!image.pie) {
    for (const s of image.sections.filter((s) => s.type === SHT_PROGBITS && s.flags & 0x1 && s.flags & 0x2)) {
      const data = image.contents(s);
      for (let i = 0; i + 24 <= data.length; i += 8) {
        const v = Number(data.readBigUInt64LE(i));
        if (inReadOnly(v)) pointers.push([s.addr + i, v]);
      }
    }
  }
  const out: Location[] = [];
  for (const [record, file] of pointers) {
    const at = image.fileOffset(record);
    const text = image.fileOffset(file);
    if (at === undefined || text === undefined || at + 24 > image.bytes.length) continue;
    const length = Number(image.bytes.readBigUInt64LE(at + 8));
    if (length < 8 || length > 1024) continue;
    const path = image.bytes.toString('latin1', text, text + length);
    const m = SOURCE.exec(path);
    const line = image.bytes.readUInt32LE(at + 16);
    if (m && line > 0 && line < 100_000) out.push({ record, crate: m[1], version: m[2] ?? '?', file: m[3], line });
  }
  return out;
}

/** K: the offset that maps every poll_read's Reader buffer (stream + R) onto a CommonState some
 * poll_write passes (stream + S), when exactly one does. */
function readerOffset(pollRead: Fn[], pollWrite: Fn[], reader: number, sink: number): number | undefined {
  const R = new Set<number>();
  const S = new Set<number>();
  for (const f of pollRead) for (const c of valuesAtCalls(f.insns, reader)) if (c.rdi?.base === 'rsp') {
    const v = c.stack.get(c.rdi.offset);
    if (v?.base === 'arg0') R.add(v.offset);
  }
  for (const f of pollWrite) for (const c of valuesAtCalls(f.insns, sink)) if (c.rdi?.base === 'arg0') S.add(c.rdi.offset);
  const Ks = new Set<number>();
  for (const r of R) for (const s of S) {
    const k = r - s;
    if (k > 0 && [...R].every((r2) => S.has(r2 - k))) Ks.add(k);
  }
  return Ks.size === 1 ? [...Ks][0] : undefined;
}

type Value = { base: 'arg0' | 'rsp'; offset: number };
const CALLER_SAVED = [Registers.RAX, Registers.RCX, Registers.RDX, Registers.RSI, Registers.RDI, Registers.R8, Registers.R9, Registers.R10, Registers.R11];

/** What rdi and the stack slots hold at each call of `callee`, following the function's first
 * argument (arg0) and the stack pointer through moves, adds and leas, in address order. */
function valuesAtCalls(insns: Insn[], callee: number): { rdi?: Value; stack: Map<number, Value | undefined> }[] {
  const regs = new Map<number, Value>([[Registers.RDI, { base: 'arg0', offset: 0 }], [Registers.RSP, { base: 'rsp', offset: 0 }]]);
  const stack = new Map<number, Value | undefined>();
  const out: { rdi?: Value; stack: Map<number, Value | undefined> }[] = [];
  for (const i of insns) {
    if (i.flow === Flow.Call && i.target === callee) out.push({ rdi: regs.get(Registers.RDI), stack: new Map(stack) });
    const dst = i.op0Register;
    if (i.mnemonic === Mnemonics.Push || i.mnemonic === Mnemonics.Pop || (i.mnemonic === Mnemonics.Sub && dst === Registers.RSP)) {
      if (i.mnemonic === Mnemonics.Pop) regs.delete(dst);
      continue; // slots are named by their displacement from rsp after the prologue
    }
    if (i.flow === Flow.Call || i.flow === Flow.IndirectCall) {
      for (const r of CALLER_SAVED) regs.delete(r);
      continue;
    }
    if (i.mnemonic === Mnemonics.Mov && i.op0Kind === OpKinds.Register && i.op1Kind === OpKinds.Register) {
      const v = regs.get(i.op1Register);
      if (v) regs.set(dst, v);
      else regs.delete(dst);
    } else if (i.mnemonic === Mnemonics.Lea && i.op0Kind === OpKinds.Register && i.memIndex === Registers.None) {
      const v = regs.get(i.memBase);
      if (v) regs.set(dst, { base: v.base, offset: v.offset + i.displacement });
      else regs.delete(dst);
    } else if (i.mnemonic === Mnemonics.Add && i.op0Kind === OpKinds.Register && i.immediate !== undefined) {
      const v = regs.get(dst);
      if (v) regs.set(dst, { base: v.base, offset: v.offset + i.immediate });
    } else if (i.mnemonic === Mnemonics.Mov && i.op0Kind === OpKinds.Memory && i.memBase === Registers.RSP && i.op1Kind === OpKinds.Register) {
      stack.set(i.displacement, regs.get(i.op1Register));
    } else if (i.mnemonic === Mnemonics.Mov && i.op0Kind === OpKinds.Register && i.op1Kind === OpKinds.Memory && i.memBase === Registers.RSP) {
      const v = stack.get(i.displacement);
      if (v) regs.set(dst, v);
      else regs.delete(dst);
    } else if (i.mnemonic !== Mnemonics.Cmp && i.mnemonic !== Mnemonics.Test && i.op0Kind === OpKinds.Register) {
      regs.delete(dst);
    }
  }
  return out;
}
