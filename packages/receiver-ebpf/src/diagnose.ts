// What `oisp-collector check` and `oisp-collector targets` report: whether this host can capture
// (each line OK, WARN or FAIL with what to do), what would be hooked now and why, and which
// running processes use a TLS stack the receiver does not cover yet.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { sectionNames } from './internal/elf-symbols.ts';
import { BPF_OBJECT_PATH, openCapture, SYS_OBJECT_PATH } from './internal/native.ts';
import { discoverTargets, processFiles, type Target } from './internal/targets.ts';
import { quicFlows } from './internal/udp-flows.ts';
import { createDefaultConfig } from './config.ts';

export interface CheckLine {
  status: 'OK' | 'WARN' | 'FAIL';
  what: string;
  detail: string;
}

export interface CheckOptions {
  /** Where the kernel's BTF is (a test points it elsewhere to see the FAIL). */
  btfPath?: string;
  /** Where tracefs would be mounted (a test points it elsewhere). */
  tracefsPath?: string;
  kernelRelease?: string;
}

const FLOOR: [number, number] = [5, 17];

/** Effective capabilities of this process, from /proc/self/status. */
function capabilities(): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

export function checkHost(opts: CheckOptions = {}): CheckLine[] {
  const out: CheckLine[] = [];
  const release = opts.kernelRelease ?? readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const [major, minor] = release.split('.').map((n) => Number.parseInt(n, 10));
  const recent = major > FLOOR[0] || (major === FLOOR[0] && minor >= FLOOR[1]);
  out.push(recent
    ? { status: 'OK', what: 'kernel', detail: `${release} (>= ${FLOOR.join('.')}: ring buffer, bpf_loop)` }
    : { status: 'FAIL', what: 'kernel', detail: `${release}: needs Linux >= ${FLOOR.join('.')} (ring buffer 5.8, bpf_loop 5.17); upgrade the kernel` });
  const btf = opts.btfPath ?? '/sys/kernel/btf/vmlinux';
  out.push(existsSync(btf)
    ? { status: 'OK', what: 'BTF', detail: btf }
    : { status: 'FAIL', what: 'BTF', detail: `${btf} is missing: the kernel must be built with CONFIG_DEBUG_INFO_BTF=y (most distribution kernels are)` });
  // Tracepoints by name need tracefs; this collector attaches BTF tracepoints (tp_btf) and uprobes
  // by address, so tracefs is reported for the operator's sake and never required.
  const tracefs = opts.tracefsPath ?? '/sys/kernel/tracing';
  out.push(existsSync(`${tracefs}/events`)
    ? { status: 'OK', what: 'tracefs', detail: `${tracefs} mounted (not required)` }
    : { status: 'OK', what: 'tracefs', detail: `${tracefs} not mounted: not required (BTF tracepoints and uprobes do not use it)` });
  const caps = capabilities();
  const has = (bit: number) => (caps & (1n << BigInt(bit))) !== 0n;
  const root = process.getuid?.() === 0;
  out.push(root || (has(39) && has(38) && has(21))
    ? { status: 'OK', what: 'privileges', detail: root ? 'root' : 'CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN' }
    : { status: 'FAIL', what: 'privileges', detail: 'needs root, or CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN: run with sudo (or grant them to the service)' });
  for (const [what, object, attach] of [['TLS programs', BPF_OBJECT_PATH, false], ['system-event programs', SYS_OBJECT_PATH, true]] as const) {
    if (out.some((l) => l.status === 'FAIL')) {
      out.push({ status: 'FAIL', what, detail: 'not tried: fix the lines above first' });
      continue;
    }
    try {
      const capture = openCapture(1 << 16, object);
      if (attach) capture.attachAll();
      capture.close();
      out.push({ status: 'OK', what, detail: `${basename(object)} loads${attach ? ' and attaches' : ''} (libbpf, verifier)` });
    } catch (err) {
      out.push({ status: 'FAIL', what, detail: (err as Error).message });
    }
  }
  const { hooked } = listTargets();
  out.push(hooked.length > 0
    ? { status: 'OK', what: 'TLS libraries', detail: hooked.map((t) => t.path).join(', ') }
    : { status: 'WARN', what: 'TLS libraries', detail: 'no libssl found and no running process carries OpenSSL: install libssl3, or start the programs to watch' });
  return out;
}

export interface Uncovered {
  pid: number;
  path: string;
  stack: string;
  /** QUIC: the peer (ip:port, IPv6 in brackets). */
  remote?: string;
}

/** Which TLS stack a binary carries that neither exports OpenSSL nor was recognized by structure,
 * when its build says so. */
function uncoveredStack(path: string): string | undefined {
  const sections = sectionNames(path);
  if (sections.includes('.go.buildinfo')) return 'Go crypto/tls';
  if (basename(path) === 'deno') return 'rustls (Deno)';
  if (sections.includes('.rustc')) return 'Rust (rustls or a static OpenSSL)';
  return undefined;
}

/** What would be hooked now and why (found by structure too), and the running processes whose TLS
 * we cannot see: a stack found but not verified says why, and so does QUIC (UDP 443). */
export function listTargets(binaryPaths: readonly string[] = [], cacheDir: string | undefined = createDefaultConfig().discovery_cache_dir): { hooked: (Target & { pids: number[] })[]; uncovered: Uncovered[] } {
  const files = processFiles(process.pid);
  const { targets, skipped } = discoverTargets(binaryPaths, [process.execPath, ...files.map((f) => f.path)], { cacheDir });
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const hooked = targets.map((t) => ({ ...t, pids: [...new Set(files.filter((f) => real(f.path) === t.path).map((f) => f.pid))] }));
  const hookedPaths = new Set(hooked.map((t) => t.path));
  const unverified = new Map(skipped.filter((s) => s.stack).map((s) => [real(s.path), s.reason]));
  const uncovered: Uncovered[] = [];
  for (const f of files) {
    if (f.kind !== 'exe') continue;
    const path = real(f.path);
    if (hookedPaths.has(path)) continue;
    // Hooked through a libssl it loaded: covered.
    if (files.some((g) => g.pid === f.pid && g.kind === 'lib' && hookedPaths.has(real(g.path)))) continue;
    const stack = unverified.get(path) ?? uncoveredStack(path);
    if (stack) uncovered.push({ pid: f.pid, path, stack });
  }
  // Connected sockets only: an unconnected one names its peer per datagram, which only the running
  // receiver sees (network.connect with first_datagram, quic_flows). One line per process and peer.
  const quic = new Set<string>();
  for (const q of quicFlows()) {
    if (quic.has(`${q.pid} ${q.remote}`)) continue;
    quic.add(`${q.pid} ${q.remote}`);
    const exe = files.find((f) => f.pid === q.pid && f.kind === 'exe');
    uncovered.push({ pid: q.pid, path: exe ? real(exe.path) : '?', stack: `QUIC/HTTP/3 (UDP to ${q.remote}): not visible to TLS capture`, remote: q.remote });
  }
  return { hooked, uncovered };
}
