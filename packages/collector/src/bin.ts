#!/usr/bin/env node
// oisp-collector: the distribution's command.
import { readFileSync } from 'node:fs';
import { runCli } from '@oisp/core';
import { builtinFactories } from './components.ts';
import { defaultConfig } from './default-config.ts';
import { demoCommand } from './demo/command.ts';
import { diagnosticCommands } from './diagnostics.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

process.exitCode = await runCli({
  command: 'oisp-collector',
  version,
  factories: builtinFactories(),
  defaultConfig: defaultConfig(),
  extraCommands: (program, run) => {
    diagnosticCommands(program, run);
    demoCommand(program, run);
  },
});
