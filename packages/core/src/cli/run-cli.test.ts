import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const bin = join(import.meta.dirname, '..', 'config', 'testdata', 'bin.ts');
const dir = mkdtempSync(join(tmpdir(), 'oisp-cli-'));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('runCli', () => {
  it('runs the default pipeline to its end and prints the summary', () => {
    const r = cli(['--set', 'receivers::counter::count=5', '--log-level', 'warn']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').length, 5);
    assert.match(r.stderr, /5 events in, 5 out/);
  });

  it('validate: exit 0 and a line for a good config, exit 1 and path-prefixed lines for a bad one', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'receivers: {counter: {}}\nexporters: {jsonl: {}}\nservice: {pipelines: {p: {receivers: [counter], exporters: [jsonl]}}}\n');
    assert.deepEqual(cli(['validate', '--config', good]).stdout, 'config is valid\n');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'receivers:\n  counter: {count: nine}\nexporters: {jsonl: {}}\nservice:\n  pipelines:\n    p: {receivers: [counter], exporters: [jsonl, otlp/x]}\n');
    const r = cli(['validate', '--config', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.deepEqual(r.stderr.trim().split('\n'), [
      'service::pipelines::p::exporters::1: references exporter "otlp/x" which is not configured (line 6)',
      'receivers::counter::count: must be integer (line 2)',
    ]);
  });

  it('a config error starts nothing and exits 1', () => {
    const r = cli(['--set', 'receivers::counter::count=x']);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /started/);
  });

  it('components lists kind, type, stability and package', () => {
    const r = cli(['components', '--json']);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout).map((c: { kind: string; type: string; stability: string }) => `${c.kind} ${c.type} ${c.stability}`), [
      'receiver counter development',
      'processor tag alpha',
      'exporter jsonl beta',
    ]);
  });

  it('print-config --redacted hides secrets; --version and unknown commands', () => {
    const cfg = join(dir, 'secret.yaml');
    writeFileSync(cfg, 'receivers: {counter: {}}\nprocessors: {tag: {key: k, token: hunter2}}\nexporters: {jsonl: {}}\nservice: {pipelines: {p: {receivers: [counter], processors: [tag], exporters: [jsonl]}}}\n');
    const r = cli(['print-config', '--redacted', '--config', cfg]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /token: "\[redacted\]"/);
    assert.doesNotMatch(r.stdout, /hunter2/);
    assert.match(cli(['print-config', '--config', cfg]).stdout, /token: hunter2/);
    assert.equal(cli(['--version']).stdout.trim(), '9.9.9');
    assert.notEqual(cli(['frobnicate']).code, 0);
  });
});
