// Which files to hook: every file that defines OpenSSL's SSL_write and SSL_read in its dynamic
// symbol table — the system libssl, and executables that link OpenSSL statically and export it
// (node) — and executables whose TLS functions discovery finds by structure (Bun's BoringSSL).
// One attach per file (device + inode), whatever path names it.
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildId, definedDynamicSymbols } from './elf-symbols.ts';
import { discoverByStructure, type Discovered } from './discovery/discover.ts';

export const SSL_SYMBOLS = ['SSL_write', 'SSL_read'] as const;
/** Hooked where present: the _ex variants (OpenSSL >= 1.1.1; Python calls them), SNI, lifetime, and the
 * handshake (whose socket write tells the connection's socket before any data). */
export const SSL_OPTIONAL_SYMBOLS = ['SSL_write_ex', 'SSL_read_ex', 'SSL_ctrl', 'SSL_free', 'SSL_do_handshake'] as const;

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

export interface Target {
  /** Where this collector opens it (through /proc/PID/root for a file inside another mount namespace). */
  path: string;
  /** The path as the process using it sees it: inside its own root, for a container. */
  lib: string;
  /** Why it was chosen. */
  reason: string;
  /** The SSL_* functions it defines. */
  symbols?: Set<string>;
  /** Functions found by structure in a stripped binary: attached at these file offsets, by the
   * OpenSSL name they stand for. */
  offsets?: Map<string, number>;
  /** For those: the TLS stack, the facts that agreed on each function, and what discovery cost. */
  structure?: { stack: string; facts: Record<string, string[]>; ms?: number; cached?: string; identityOffset?: number };
}

function libsslCandidates(): string[] {
  const out: string[] = [];
  for (const dir of LIB_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (/^libssl\.so(\.\d+)*$/.test(name)) out.push(join(dir, name));
  }
  return out;
}

/** A file not hooked, and why. */
export interface Skipped {
  path: string;
  reason: string;
  /** A TLS stack was found in it, but not surely enough to hook. */
  stack?: string;
}

export interface DiscoveryOptions {
  /** Files already judged (shared across calls of one receiver). */
  seen?: SeenFiles;
  /** Look at the system's libssl copies too. */
  includeSystem?: boolean;
  /** Where structural discovery keeps its answers across runs. */
  cacheDir?: string;
  /** Leave structural discovery to the caller (a worker thread): such files come back in `deferred`. */
  deferStructure?: boolean;
}

/** Files already judged, by device:inode (a file is looked at once, whatever path names it). */
export type SeenFiles = Set<string>;

export function discoverTargets(
  extra: readonly string[],
  executables: readonly string[],
  { seen = new Set(), includeSystem = true, cacheDir, deferStructure = false }: DiscoveryOptions = {},
): { targets: Target[]; skipped: Skipped[]; deferred: Target[] } {
  const targets: Target[] = [];
  const skipped: Skipped[] = [];
  const deferred: Target[] = [];
  const candidates = [
    ...(includeSystem ? libsslCandidates() : []).map((path) => ({ path, reason: 'system libssl' })),
    ...executables.map((path) => ({ path, reason: 'executable' })),
    ...extra.map((path) => ({ path, reason: 'binary_paths' })),
  ];
  for (const candidate of candidates) {
    let key: string;
    let c: Target;
    try {
      c = resolveCandidate(candidate);
      const st = statSync(c.path);
      key = `${st.dev}:${st.ino}`;
    } catch (err) {
      skipped.push({ path: candidate.path, reason: (err as Error).message });
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    const found = sslSymbols(c.path);
    if (SSL_SYMBOLS.every((s) => found.has(s))) {
      targets.push({ ...c, reason: c.reason === 'executable' ? 'executable exporting OpenSSL symbols' : c.reason, symbols: found });
      continue;
    }
    const missing = `does not export ${SSL_SYMBOLS.filter((s) => !found.has(s)).join(', ')}`;
    if (found.size > 0) skipped.push({ path: c.path, reason: missing });
    else if (deferStructure) deferred.push(c);
    else {
      let byStructure: { targets: Target[]; skipped: Skipped[] };
      try {
        byStructure = structuralTargets(c, discoverByStructure(c.path, cacheDir));
      } catch (err) {
        byStructure = { targets: [], skipped: [{ path: c.path, reason: `structural discovery failed: ${(err as Error).message}` }] };
      }
      targets.push(...byStructure.targets);
      skipped.push(...byStructure.skipped);
      if (byStructure.targets.length + byStructure.skipped.length === 0) skipped.push({ path: c.path, reason: missing });
    }
  }
  return { targets, skipped, deferred };
}

/** What discovery by structure found in a file that exports no TLS symbols: a target for each stack
 * it is sure of, a skipped entry saying why for each it is not. */
export function structuralTargets(c: Target, found: Discovered): { targets: Target[]; skipped: Skipped[] } {
  const out: { targets: Target[]; skipped: Skipped[] } = { targets: [], skipped: [] };
  for (const s of found.stacks) {
    if (s.functions.length === 0) {
      out.skipped.push({ path: c.path, stack: s.stack, reason: `${s.stack} found, not hooked: ${s.unsure}` });
      continue;
    }
    out.targets.push({
      ...c,
      reason: `${c.reason === 'executable' ? '' : `${c.reason}: `}${s.stack} found by structure`,
      symbols: new Set(s.functions.map((f) => f.symbol)),
      offsets: new Map(s.functions.map((f) => [f.symbol, f.offset])),
      structure: { stack: s.stack, facts: Object.fromEntries(s.functions.map((f) => [f.symbol, f.facts])), ms: found.ms, cached: found.cached, identityOffset: s.identityOffset },
    });
  }
  return out;
}

const symbolsByBuild = new Map<string, Set<string>>();
const MAX_BUILDS = 4096;

function sslSymbols(path: string): Set<string> {
  const id = buildId(path);
  const known = id === undefined ? undefined : symbolsByBuild.get(id);
  if (known) return known;
  const found = definedDynamicSymbols(path, [...SSL_SYMBOLS, ...SSL_OPTIONAL_SYMBOLS]);
  if (id !== undefined) {
    symbolsByBuild.set(id, found);
    if (symbolsByBuild.size > MAX_BUILDS) symbolsByBuild.delete(symbolsByBuild.keys().next().value as string);
  }
  return found;
}

const IN_PROCESS_ROOT = /^\/proc\/(\d+)\/root(\/.*)$/;

/**
 * Symlinks resolved, and the path as its process sees it. A file of a process in another mount
 * namespace (a container) stays under /proc/PID/root: resolved from here, that magic link would
 * name the file at the same path in *our* root — another file, or none.
 */
function resolveCandidate(candidate: { path: string; reason: string }): Target {
  const inRoot = IN_PROCESS_ROOT.exec(candidate.path);
  if (inRoot && !sameMountNamespace(Number(inRoot[1]))) return { ...candidate, lib: inRoot[2] };
  const path = realpathSync(inRoot ? inRoot[2] : candidate.path);
  return { ...candidate, path, lib: path };
}

function sameMountNamespace(pid: number): boolean {
  return statSync(`/proc/${pid}/ns/mnt`).ino === statSync('/proc/self/ns/mnt').ino;
}

/**
 * Files that running processes use now and that may carry OpenSSL: each process's executable and
 * the libssl copies in its memory map (Python loads libssl only when `ssl` is imported; conda and
 * pyenv ship their own), seen through /proc/PID/root so a container's files are found too.
 */
export function processFiles(excludePid: number): { path: string; pid: number; kind: 'exe' | 'lib' }[] {
  const out: { path: string; pid: number; kind: 'exe' | 'lib' }[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === excludePid) continue;
    const root = `/proc/${pid}/root`;
    try {
      out.push({ path: `${root}${readlinkSync(`/proc/${pid}/exe`)}`, pid, kind: 'exe' });
      for (const line of readFileSync(`/proc/${pid}/maps`, 'latin1').split('\n')) {
        const at = line.indexOf('/');
        if (at !== -1 && line.includes('libssl')) out.push({ path: `${root}${line.slice(at)}`, pid, kind: 'lib' });
      }
    } catch {
      // gone, or a kernel thread: nothing to hook
    }
  }
  return out;
}
