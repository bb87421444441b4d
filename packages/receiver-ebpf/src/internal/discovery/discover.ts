// Discovery by structure: for an executable that exports no TLS symbols, find its TLS library's
// plaintext functions from facts that survive recompilation, and remember the answer by the file's
// content hash (a corrupted or patched copy is a new file, judged anew).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { dataContains } from '../elf-symbols.ts';
import { BORINGSSL_ANCHORS, recognizeBoringSsl } from './boringssl.ts';
import { OPENSSL_ANCHORS, recognizeStaticOpenSsl } from './openssl-static.ts';
import { RUSTLS_ANCHORS, recognizeRustls } from './rustls.ts';
import { ElfImage } from './elf-image.ts';
import { FunctionEntries } from './function-entry.ts';
import type { FoundFunction, Recognized } from './recognized.ts';

/** Bumped when a recognizer changes what it finds: older cached answers are then not used. */
const DISCOVERY_VERSION = 5;

const RECOGNIZERS = [
  { anchors: BORINGSSL_ANCHORS, recognize: recognizeBoringSsl },
  { anchors: OPENSSL_ANCHORS, recognize: recognizeStaticOpenSsl },
  { anchors: RUSTLS_ANCHORS, recognize: recognizeRustls },
];
const ANCHORS = RECOGNIZERS.flatMap((r) => r.anchors);

export interface Discovered {
  /** Each TLS stack found, with what to hook (file offsets) or why nothing. */
  stacks: (Omit<Recognized, 'functions'> & { functions: (FoundFunction & { offset: number })[] })[];
  /** sha256 of the file (absent when it carries no stack a recognizer knows). */
  sha256?: string;
  /** How long discovery took, when it ran (absent when the answer came from a cache). */
  ms?: number;
  cached?: 'memory' | 'disk';
}

const byFile = new Map<string, Discovered>(); // by fileIdentity()
const MAX_REMEMBERED = 256;
const INDEX = 'files.json';
const MAX_INDEXED = 1024;

/** Which file this is, and whether it changed: any write moves its mtime and ctime. */
function fileIdentity(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/**
 * What structural discovery finds in `path`. `cacheDir` keeps answers across runs (a
 * hundreds-of-megabytes binary takes half a second to read through; its answer, a few lines):
 * by content hash, and by file identity, so an unchanged file is answered without reading it.
 */
export function discoverByStructure(path: string, cacheDir?: string): Discovered {
  const identity = fileIdentity(statSync(path));
  const remembered = byFile.get(identity);
  if (remembered) return { ...remembered, ms: undefined, cached: 'memory' };
  const indexed = cacheDir ? readIndex(cacheDir).get(identity) : undefined;
  const fromIndex = indexed && readCache(join(cacheDir as string, `${indexed.sha256}.json`));
  if (fromIndex) return remember(identity, { ...fromIndex, cached: 'disk' });

  const started = performance.now();
  if (!dataContains(path, ANCHORS)) return remember(identity, { stacks: [] });
  const bytes = readFileSync(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const cacheFile = cacheDir ? join(cacheDir, `${sha256}.json`) : undefined;
  const fromDisk = cacheFile ? readCache(cacheFile) : undefined;
  let result: Discovered;
  if (fromDisk) result = { ...fromDisk, cached: 'disk' };
  else {
    const image = ElfImage.fromBytes(path, bytes);
    const entries = new FunctionEntries(image);
    const stacks = RECOGNIZERS.flatMap(({ recognize }) => recognize(image, entries) ?? []).map((r) => ({
      ...r,
      functions: r.functions.map((f) => ({ ...f, offset: image.fileOffset(f.vaddr) as number })),
    }));
    result = { stacks, sha256, ms: Math.round(performance.now() - started) };
    if (cacheFile) writeJson(cacheFile, { version: DISCOVERY_VERSION, result: { stacks, sha256 } });
  }
  if (cacheDir) {
    const index = readIndex(cacheDir);
    // A path inside another process's root (/proc/PID/root/...) dies with it: kept by identity only.
    index.set(identity, { path: path.startsWith('/proc/') ? undefined : path, sha256 });
    if (index.size > MAX_INDEXED) index.delete(index.keys().next().value as string);
    writeJson(join(cacheDir, INDEX), { version: DISCOVERY_VERSION, files: [...index].map(([id, f]) => ({ identity: id, ...f })) });
  }
  return remember(identity, result);
}

/**
 * Files an earlier run found a TLS stack in and that have not changed since: hooked at start, so
 * even the first request of a program started after the collector is seen.
 */
export function knownStructuralFiles(cacheDir: string): string[] {
  const out: string[] = [];
  for (const [identity, f] of readIndex(cacheDir)) {
    if (!f.path) continue;
    try {
      if (fileIdentity(statSync(f.path)) === identity && readCache(join(cacheDir, `${f.sha256}.json`))?.stacks.some((s) => s.functions.length > 0)) out.push(f.path);
    } catch {
      // gone
    }
  }
  return out;
}

function remember(identity: string, result: Discovered): Discovered {
  byFile.set(identity, result);
  if (byFile.size > MAX_REMEMBERED) byFile.delete(byFile.keys().next().value as string);
  return result;
}

function readIndex(cacheDir: string): Map<string, { path?: string; sha256: string }> {
  try {
    const saved = JSON.parse(readFileSync(join(cacheDir, INDEX), 'utf8')) as { version: number; files: { identity: string; path?: string; sha256: string }[] };
    if (saved.version !== DISCOVERY_VERSION) return new Map();
    return new Map(saved.files.map(({ identity, ...f }) => [identity, f]));
  } catch {
    return new Map();
  }
}

function readCache(file: string): Discovered | undefined {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: number; result: Discovered };
    return saved.version === DISCOVERY_VERSION ? saved.result : undefined;
  } catch {
    return undefined;
  }
}

function writeJson(file: string, value: unknown): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(value));
    renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    // A read-only or full disk costs the next start a rediscovery, nothing more.
  }
}
