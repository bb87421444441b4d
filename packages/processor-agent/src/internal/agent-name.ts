// What to call an agent: its script when an interpreter runs one (`agent.py`, `index.mjs`), else
// its executable's name.
import path from 'node:path';
import type { ProcessNode } from './process-tree.ts';

const INTERPRETERS = /^(python[\d.]*|node|nodejs|bun|deno|ruby|perl|php|java|uv|npx|tsx|ts-node)$/;

export function agentName(node: ProcessNode | undefined, fallback: { name?: string; exe?: string; cmdline?: string }): string {
  const args = node?.args ?? fallback.cmdline?.split(' ').filter(Boolean);
  const exe = node?.exe ?? fallback.exe ?? args?.[0];
  const base = exe ? path.basename(exe) : (node?.name ?? fallback.name ?? 'agent');
  if (args && INTERPRETERS.test(base)) {
    // The first argument that is not an option: the script (or `-m module`).
    for (let i = 1; i < args.length; i++) {
      if (args[i] === '-m' && args[i + 1]) return `${base} -m ${args[i + 1]}`;
      if (!args[i].startsWith('-')) return `${base} ${path.basename(args[i])}`;
    }
  }
  return base;
}
