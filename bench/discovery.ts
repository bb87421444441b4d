// Discovery by structure (issue 14): how long finding the TLS functions of a stripped binary takes,
// against the floor of any answer keyed by the file's content (read it and hash it), each in a
// fresh process (best of three):
//   cold   nothing remembered: read, hash, recognize
//   disk   the answer kept by an earlier run (discovery_cache_dir): found by the file's identity
//          (device, inode, size, times), so the file is not read at all
// Usage: node bench/discovery.ts [binary ...]   (default: Bun and turbo 2.8.17 from npm)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { discoverByStructure } from '../packages/receiver-ebpf/src/internal/discovery/discover.ts';

const [mode, path, cacheDir] = process.argv.slice(2);
if (mode === '--one') {
  // One measurement in this fresh process; prints milliseconds and what was found.
  const t0 = performance.now();
  if (cacheDir === 'floor') {
    createHash('sha256').update(readFileSync(path)).digest('hex');
    console.log(JSON.stringify({ ms: performance.now() - t0 }));
  } else {
    const found = discoverByStructure(path, cacheDir || undefined);
    console.log(JSON.stringify({ ms: performance.now() - t0, cached: found.cached ?? null, stacks: found.stacks.map((s) => `${s.stack}: ${s.functions.map((f) => f.symbol).join(', ') || s.unsure}`) }));
  }
} else {
  const fromNpm = (pkg: string, bin: string) => join(dirname(createRequire(join(import.meta.dirname, '../packages/receiver-ebpf/')).resolve(`${pkg}/package.json`)), bin);
  const binaries = process.argv.length > 2 ? process.argv.slice(2) : [fromNpm('@oven/bun-linux-x64', 'bin/bun'), fromNpm('turbo-linux-64', 'bin/turbo')];
  const once = (p: string, how: string) => JSON.parse(execFileSync(process.execPath, [import.meta.filename, '--one', p, how], { encoding: 'utf8' })) as { ms: number; cached?: string; stacks?: string[] };
  const best = (p: string, how: string) => [0, 1, 2].map(() => once(p, how)).sort((a, b) => a.ms - b.ms)[0];
  for (const binary of binaries.map((b) => realpathSync(b))) {
    const cache = mkdtempSync(join(tmpdir(), 'oisp-bench-discovery-'));
    const floor = best(binary, 'floor');
    const cold = best(binary, '');
    once(binary, cache); // keeps the answer
    const disk = best(binary, cache);
    console.log(`${binary} (${(statSync(binary).size / 1e6).toFixed(0)} MB)`);
    console.log(`  found: ${cold.stacks?.join('; ') || 'no TLS stack a recognizer knows'}`);
    console.log(`  floor (read + sha256)   ${floor.ms.toFixed(0).padStart(6)} ms`);
    console.log(`  cold discovery          ${cold.ms.toFixed(0).padStart(6)} ms  ${(cold.ms / floor.ms).toFixed(2)}x floor`);
    console.log(`  from the disk cache     ${disk.ms.toFixed(0).padStart(6)} ms  ${(disk.ms / floor.ms).toFixed(2)}x floor  (${disk.cached})`);
  }
}
