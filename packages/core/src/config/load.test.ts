import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from '../registry.ts';
import { ConfigError } from './errors.ts';
import { loadConfig } from './load.ts';
import { redactConfig } from './redact.ts';
import { testFactories } from './testdata/components.ts';

const dir = mkdtempSync(join(tmpdir(), 'oisp-config-'));
let n = 0;
function file(text: string): string {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, text);
  return path;
}

const VALID = `receivers:
  counter:
    count: 2
processors:
  tag/main:
    key: env
exporters:
  jsonl:
    path: out.jsonl
service:
  pipelines:
    p:
      receivers: [counter]
      processors: [tag/main]
      exporters: [jsonl]
`;

async function errorsOf(files: string[], opts: { sets?: string[]; env?: Record<string, string> } = {}): Promise<string[]> {
  try {
    await loadConfig({ files, sets: opts.sets, env: opts.env ?? {}, registry: new Registry(testFactories) });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err.errors;
  }
  assert.fail('expected the config to be rejected');
}

describe('loadConfig', () => {
  it('fills defaults from the schema and createDefaultConfig', async () => {
    const { config, configDir } = await loadConfig({ files: [file(VALID)], env: {}, registry: new Registry(testFactories) });
    assert.equal(configDir, dir);
    assert.deepEqual(config.processors['tag/main'], { key: 'env', value: 'yes', headers: {} });
    assert.deepEqual(config.receivers.counter, { count: 2 });
    assert.equal(config.service.shutdown_timeout_ms, 10000);
    assert.equal(config.service.telemetry.logs.level, 'info');
    assert.deepEqual(config.plugins, []);
  });

  it('names the path and line of a type error', async () => {
    const errors = await errorsOf([file(VALID.replace('count: 2', 'count: 5000'))]);
    assert.deepEqual(errors, ['receivers::counter::count: must be <= 1000 (line 3)']);
  });

  it('reports an unknown field, a missing required field and a validate() rule', async () => {
    const errors = await errorsOf([file(VALID.replace('    key: env', '    colour: red'))]);
    assert.deepEqual(errors, ['processors::tag/main::colour: unknown field (line 6)']);
    const same = await errorsOf([file(VALID.replace('key: env', 'key: yes'))]);
    assert.deepEqual(same, ['processors::tag/main::value: must differ from key (line 5)']);
  });

  it('reports an unknown component type with the known ones', async () => {
    const errors = await errorsOf([file(VALID.replace('  jsonl:\n    path: out.jsonl', '  otlp:\n    endpoint: x').replace('[jsonl]', '[otlp]'))]);
    assert.deepEqual(errors, ['exporters::otlp: unknown exporter type "otlp"; known: jsonl (add a plugin under plugins: for others) (line 8)']);
  });

  it('reports a dangling pipeline reference and an unused component', async () => {
    const errors = await errorsOf([file(VALID.replace('exporters: [jsonl]', 'exporters: [jsonl/x]'))]);
    assert.deepEqual(errors, [
      'service::pipelines::p::exporters::0: references exporter "jsonl/x" which is not configured (line 15)',
      'exporters::jsonl: exporter "jsonl" is configured but used by no pipeline (line 8)',
    ]);
  });

  it('expands ${env:VAR}, defaults and $$ in values only, typed when a value is one reference', async () => {
    const text = VALID.replace('count: 2', 'count: ${env:N}').replace('key: env', 'key: "${env:K:-dflt}-$$HOME"');
    const { config } = await loadConfig({ files: [file(text)], env: { N: '7' }, registry: new Registry(testFactories) });
    assert.deepEqual(config.receivers.counter, { count: 7 });
    assert.equal((config.processors['tag/main'] as { key: string }).key, 'dflt-$HOME');
  });

  it('rejects an unset variable and a malformed reference, with the path and line', async () => {
    const errors = await errorsOf([file(VALID.replace('key: env', 'key: ${env:MISSING}').replace('path: out.jsonl', 'path: ${nope}'))]);
    assert.deepEqual(errors, [
      'processors::tag/main::key: environment variable MISSING is not set; set it or give a default: ${env:MISSING:-value} (line 6)',
      'exporters::jsonl::path: bad environment reference "${nope}"; write ${env:NAME} or ${env:NAME:-default} (and $$ for a literal $) (line 9)',
    ]);
  });

  it('merges files in order (maps deep, lists replaced) and applies --set last', async () => {
    const base = file(VALID);
    const over = file('processors:\n  tag/main:\n    value: other\nservice:\n  pipelines:\n    p:\n      receivers: [counter]\n');
    const { config } = await loadConfig({
      files: [base, over],
      sets: ['receivers::counter::count=9', 'processors::tag/main::headers::x-api-key=s3cret'],
      env: {},
      registry: new Registry(testFactories),
    });
    assert.deepEqual(config.receivers.counter, { count: 9 });
    assert.deepEqual(config.processors['tag/main'], { key: 'env', value: 'other', headers: { 'x-api-key': 's3cret' } });
    assert.deepEqual(config.service.pipelines.p, { receivers: ['counter'], processors: ['tag/main'], exporters: ['jsonl'] });
  });

  it('names the file as well as the line when several files are merged, and --set by its text', async () => {
    const base = file(VALID);
    const over = file('receivers:\n  counter:\n    count: -1\n');
    assert.deepEqual(await errorsOf([base, over]), [`receivers::counter::count: must be >= 0 (${over} line 3)`]);
    assert.deepEqual(await errorsOf([base], { sets: ['receivers::counter::count=x'] }), [
      'receivers::counter::count: must be integer (--set receivers::counter::count=x)',
    ]);
  });

  it('translates ajv ~1 back to / in component ids', async () => {
    const errors = await errorsOf([file(VALID.replace('  tag/main:\n    key: env', '  tag/main:\n    key: 3'))]);
    assert.deepEqual(errors, ['processors::tag/main::key: must be string (line 6)']);
  });

  it('rejects YAML syntax errors and a bad top level with lines', async () => {
    assert.match((await errorsOf([file('receivers: [\n')]))[0], /line \d+\)$/);
    assert.deepEqual(await errorsOf([file(VALID + 'extras: 1\n')]), ['extras: unknown field (line 16)']);
  });

  it('shows secrets as [redacted] in print-config --redacted', async () => {
    const registry = new Registry(testFactories);
    const { config } = await loadConfig({ files: [file(VALID)], sets: ['processors::tag/main::token=abc', 'processors::tag/main::headers::authorization=Bearer x'], env: {}, registry });
    const redacted = redactConfig(config, registry);
    assert.deepEqual(redacted.processors['tag/main'], { key: 'env', value: 'yes', token: '[redacted]', headers: { authorization: '[redacted]' } });
    assert.equal((config.processors['tag/main'] as { token: string }).token, 'abc', 'the loaded config itself is untouched');
  });
});
