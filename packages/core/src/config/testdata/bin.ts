// A test distribution of the CLI machinery.
import { runCli } from '../../index.ts';
import { testFactories } from './components.ts';

process.exitCode = await runCli({
  command: 'test-collector',
  version: '9.9.9',
  factories: testFactories,
  defaultConfig: { yaml: 'receivers: {counter: {}}\nexporters: {jsonl: {}}\nservice: {pipelines: {p: {receivers: [counter], exporters: [jsonl]}}}\n', dir: process.cwd() },
});
