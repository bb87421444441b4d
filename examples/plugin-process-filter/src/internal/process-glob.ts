// Process patterns: a glob (`*` any run of characters, `?` one character) matched against the
// process name (`python3`), or, when the pattern holds a `/`, against the executable path
// (`/usr/bin/*`, `*/node`).
import type { ProcessInfo } from '@oisp/core';

export interface ProcessPattern {
  source: string;
  field: 'name' | 'exe';
  regexp: RegExp;
}

export function compilePattern(source: string): ProcessPattern {
  const body = source.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return { source, field: source.includes('/') ? 'exe' : 'name', regexp: new RegExp(`^${body}$`, 's') };
}

export function matchesAny(patterns: readonly ProcessPattern[], process: ProcessInfo): boolean {
  for (const p of patterns) {
    const value = p.field === 'exe' ? process.exe : (process.name ?? basename(process.exe));
    if (value !== undefined && p.regexp.test(value)) return true;
  }
  return false;
}

function basename(path: string | undefined): string | undefined {
  return path === undefined ? undefined : path.slice(path.lastIndexOf('/') + 1);
}
