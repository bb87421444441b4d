// End to end through the oisp-collector command: replay -> third-party plugin -> JSONL, the
// components list, and a SIGTERM in the middle of a large replay.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { createEvent, parseEvent, serializeEvent, validateEvent } from '@oisp/core';
import { samplePath } from '../src/default-config.ts';

const bin = resolve(import.meta.dirname, '../src/bin.ts');
const plugin = resolve(import.meta.dirname, '../../../examples/plugin-process-filter/src/index.ts');
const dir = mkdtempSync(join(tmpdir(), 'oisp-collector-e2e-'));

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}

describe('oisp-collector', () => {
  const config = join(dir, 'filter.yaml');
  writeFileSync(
    config,
    `plugins: [${JSON.stringify(plugin)}]
receivers: { file: { path: ${JSON.stringify(samplePath)} } }
processors: { process_filter: { exclude: ["ls"], tag: { demo: "yes" } } }
exporters: { file: { path: ./out.jsonl } }
service: { pipelines: { demo: { receivers: [file], processors: [process_filter], exporters: [file] } } }
`,
  );

  it('file receiver -> example plugin -> file exporter reproduces the input minus what the plugin filtered, in order', () => {
    const r = spawnSync(process.execPath, [bin, '--config', config], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const input = readLines(samplePath).map(parseEvent);
    const kept = input.filter((e) => e.process?.name !== 'ls');
    assert.ok(kept.length < input.length && kept.length > 0, 'the sample has events of ls and of others');
    const output = readLines(join(dir, 'out.jsonl')).map(parseEvent);
    assert.equal(output.length, kept.length);
    output.forEach((event, i) => {
      assert.deepEqual(event.attrs?.demo, 'yes');
      const { demo: _demo, ...attrs } = event.attrs ?? {};
      const expected = { ...kept[i] } as Record<string, unknown>;
      const actual = { ...event, attrs } as Record<string, unknown>;
      if (Object.keys(attrs).length === 0 && !('attrs' in kept[i])) delete actual.attrs;
      assert.deepEqual(actual, expected, `event ${i}`);
      assert.deepEqual(validateEvent(event).errors, []);
    });
    assert.equal(statSync(join(dir, 'out.jsonl')).mode & 0o777, 0o600);
  });

  it('components lists the built-ins and the plugin with kind, stability and package', () => {
    const r = spawnSync(process.execPath, [bin, 'components', '--json', '--config', config], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { kind: string; type: string; stability: string; package: string }[];
    assert.ok(rows.some((c) => c.kind === 'receiver' && c.type === 'file' && c.package === '@oisp/exporter-file'));
    assert.ok(rows.some((c) => c.kind === 'processor' && c.type === 'http' && c.package === '@oisp/processor-http'));
    const filter = rows.find((c) => c.type === 'process_filter');
    assert.deepEqual(filter && { kind: filter.kind, package: filter.package }, { kind: 'processor', package: plugin });
  });

  it('SIGTERM in the middle of a large replay leaves valid JSONL (no torn line) and a summary of counts', async () => {
    const input = join(dir, 'large.jsonl');
    const out = createWriteStream(input);
    const total = 300_000;
    for (let i = 0; i < total; i++) {
      if (!out.write(serializeEvent(createEvent('process.exit', { exit_code: i % 256 }, { process: { pid: 1000 + (i % 50) } })) + '\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const output = join(dir, 'large-out.jsonl');
    const replay = join(dir, 'replay.yaml');
    writeFileSync(replay, `receivers: { file: { path: ${JSON.stringify(input)} } }
exporters: { file: { path: ${JSON.stringify(output)} } }
service: { pipelines: { p: { receivers: [file], exporters: [file] } } }
`);
    const child = spawn(process.execPath, [bin, '--config', replay, '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait until events are flowing, then stop it.
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      try {
        if (statSync(output).size > 0) break;
      } catch {
        // not created yet
      }
    }
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
    const text = readFileSync(output, 'utf8');
    assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
    const lines = text.split('\n').slice(0, -1);
    assert.ok(lines.length > 0 && lines.length < total, `a part of the replay was written (${lines.length} of ${total})`);
    const inputLines = readLines(input);
    lines.forEach((line, i) => assert.equal(line, inputLines[i], `line ${i + 1} is the input's, in order`));
    assert.match(stderr, new RegExp(`${lines.length} events in, ${lines.length} out`));
  });
});
