// The `demo` command.
import type { Command } from 'commander';
import type { CliRun } from '@oisp/core';
import { runDemo } from './run-demo.ts';

export function demoCommand(program: Command, run: CliRun): void {
  program
    .command('demo')
    .description('watch a small agent on the openai SDK call a local mock of api.openai.com and run a tool — no API key needed (root)')
    .action(async () => {
      run.exitCode = await runDemo((line) => process.stdout.write(line + '\n'));
    });
}
