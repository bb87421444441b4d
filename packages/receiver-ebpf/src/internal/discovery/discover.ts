// Discovery by structure: for an executable that exports no TLS symbols, find its TLS library's
// plaintext functions from facts that survive recompilation, and remember the answer by the file's
// content hash (a corrupted or patched copy is a new file, judged anew).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataContains } from '../elf-symbols.ts';
import { BORINGSSL_ANCHORS, recognizeBoringSsl } from './boringssl.ts';
import { ElfImage } from './elf-image.ts';
import { FunctionEntries } from './function-entry.ts';
import type { FoundFunction, Recognized } from './recognized.ts';

/** Bumped when a recognizer changes what it finds: older cached answers are then not used. */
const DISCOVERY_VERSION = 1;

const RECOGNIZERS = [{ anchors: BORINGSSL_ANCHORS, recognize: recognizeBoringSsl }];
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

const byFile = new Map<string, Discovered>(); // dev:ino:size:mtime
const MAX_REMEMBERED = 256;

/**
 * What structural discovery finds in `path`. `cacheDir` keeps answers across runs (a
 * hundreds-of-megabytes binary takes seconds to read through; its answer, a few lines).
 */
export function discoverByStructure(path: string, cacheDir?: string): Discovered {
  const st = statSync(path);
  const fileKey = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  const remembered = byFile.get(fileKey);
  if (remembered) return { ...remembered, ms: undefined, cached: 'memory' };

  const started = performance.now();
  if (!dataContains(path, ANCHORS)) return remember(fileKey, { stacks: [] });
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
    if (cacheFile) writeCache(cacheFile, result);
  }
  return remember(fileKey, result);
}

function remember(fileKey: string, result: Discovered): Discovered {
  byFile.set(fileKey, result);
  if (byFile.size > MAX_REMEMBERED) byFile.delete(byFile.keys().next().value as string);
  return result;
}

function readCache(file: string): Discovered | undefined {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: number; result: Discovered };
    return saved.version === DISCOVERY_VERSION ? saved.result : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, result: Discovered): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    const { ms: _ms, cached: _cached, ...kept } = result;
    writeFileSync(`${file}.tmp`, JSON.stringify({ version: DISCOVERY_VERSION, result: kept }));
    renameSync(`${file}.tmp`, file);
  } catch {
    // A read-only or full disk costs the next start a rediscovery, nothing more.
  }
}
