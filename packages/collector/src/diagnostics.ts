// `oisp-collector check` and `oisp-collector targets`: can this host capture, and what would be
// hooked now — each line with what to do when it is not OK.
import type { Command } from 'commander';
import type { CliRun } from '@oisp/core';
import { checkHost, listTargets } from '@oisp/receiver-ebpf';

export function diagnosticCommands(program: Command, run: CliRun): void {
  program
    .command('check')
    .description('check that this host can capture: kernel, BTF, privileges, the BPF programs, TLS libraries (exit 1 on any FAIL)')
    .action(() => {
      const lines = checkHost({ btfPath: process.env.OISP_CHECK_BTF_PATH, tracefsPath: process.env.OISP_CHECK_TRACEFS_PATH });
      for (const l of lines) process.stdout.write(`${l.status.padEnd(4)}  ${l.what}: ${l.detail}\n`);
      run.exitCode = lines.some((l) => l.status === 'FAIL') ? 1 : 0;
    });
  program
    .command('targets')
    .description('what would be hooked now and why, and running processes whose TLS stack is not covered yet')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }) => {
      const { hooked, uncovered } = listTargets();
      if (opts.json) {
        const json = hooked.map((t) => ({
          path: t.path,
          reason: t.reason,
          symbols: [...(t.symbols ?? [])],
          pids: t.pids,
          // Found by structure: where each function is, and the facts that agreed on it.
          ...(t.offsets && { offsets: Object.fromEntries([...t.offsets].map(([s, o]) => [s, `0x${o.toString(16)}`])), facts: t.structure?.facts }),
        }));
        process.stdout.write(JSON.stringify({ hooked: json, uncovered }, null, 2) + '\n');
        return;
      }
      process.stdout.write('hooked:\n');
      for (const t of hooked) process.stdout.write(`  ${t.path}  (${t.reason}; ${[...(t.symbols ?? [])].map((s) => (t.offsets?.has(s) ? `${s} at file offset 0x${t.offsets.get(s)!.toString(16)}` : s)).join(', ')})${t.pids.length ? `  used by ${t.pids.length} process${t.pids.length > 1 ? 'es' : ''}` : ''}\n`);
      process.stdout.write(uncovered.length ? 'not covered yet:\n' : 'every running process with TLS is covered\n');
      for (const u of uncovered) process.stdout.write(`  pid ${u.pid}  ${u.path}  ${u.stack}\n`);
    });
}
