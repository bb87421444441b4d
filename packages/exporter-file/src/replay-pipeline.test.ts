// file receiver -> file exporter through the real core Service: the fixture table
// (testdata/<scenario>/input.jsonl -> expected.jsonl, byte for byte, with config.json and the
// counts in telemetry.json), and shutdown in the middle of a large replay.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Service, parseEvent, serializeEvent, validateEvent, type Factory, type ServiceSummary } from '@oisp/core';
import { exampleEvent } from '@oisp/core/testing';
import { fileExporterFactory, fileReceiverFactory } from './factory.ts';
import { createDefaultExporterConfig, createDefaultReceiverConfig, type FileExporterConfig, type FileReceiverConfig } from './config.ts';

const testdata = fileURLToPath(new URL('../testdata/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'oisp-replay-pipeline-'));
after(() => rmSync(work, { recursive: true, force: true }));

const factories: Factory[] = [fileReceiverFactory, fileExporterFactory];

function service(receiver: Partial<FileReceiverConfig>, exporter: Partial<FileExporterConfig>, logLines?: string[]): Service {
  const logger = logLines ? pino({ level: 'warn' }, { write: (l: string) => void logLines.push(JSON.parse(l).msg) }) : pino({ level: 'silent' });
  return new Service({
    config: {
      plugins: [],
      receivers: { file: { ...createDefaultReceiverConfig(), ...receiver } },
      processors: {},
      exporters: { file: { ...createDefaultExporterConfig(), ...exporter } },
      service: { pipelines: { replay: { receivers: ['file'], processors: [], exporters: ['file'] } }, telemetry: { logs: { level: 'silent' }, metrics: {} }, shutdown_timeout_ms: 10_000 },
    },
    factories: { get: (kind, type) => factories.find((f) => f.kind === kind && f.type === type), list: () => factories },
    logger,
    buildInfo: { command: 'oisp-collector', version: '0.0.0-test' },
    configDir: work,
  });
}

const counts = (summary: ServiceSummary, kind: string) => summary.components.find((c) => c.kind === kind)!;

describe('replay pipeline fixtures (file receiver -> file exporter)', () => {
  for (const scenario of readdirSync(testdata).sort()) {
    it(scenario, async () => {
      const dir = join(testdata, scenario);
      const config = existsSync(join(dir, 'config.json')) ? JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) : {};
      const want = JSON.parse(readFileSync(join(dir, 'telemetry.json'), 'utf8'));
      const out = join(work, `${scenario}.jsonl`);
      const warnings: string[] = [];
      const svc = service({ ...config.receiver, path: join(dir, 'input.jsonl') }, { ...config.exporter, path: out }, warnings);
      await svc.start();
      await svc.whenDone;
      const summary = await svc.shutdown();
      // Byte for byte: events the pipeline did not change come out as the very same lines.
      assert.equal(existsSync(out) ? readFileSync(out, 'utf8') : '', readFileSync(join(dir, 'expected.jsonl'), 'utf8'));
      assert.equal(summary.eventsIn, want.events_in);
      assert.equal(summary.eventsOut, want.events_out);
      assert.deepEqual(counts(summary, 'receiver').errors, want.receiver?.errors ?? {});
      assert.deepEqual(counts(summary, 'exporter').dropped, want.exporter?.dropped ?? {});
      assert.deepEqual(summary.errors, []);
      const badLines = warnings.map((w) => Number(/\.jsonl:(\d+): /.exec(w)?.[1])).filter((x) => x > 0);
      assert.deepEqual(badLines, want.bad_lines ?? []);
    });
  }
});

describe('replay pipeline through the Service', () => {
  it("replays the collector's recorded sample (every line schema-valid) into an identical file", async () => {
    const sample = fileURLToPath(new URL('../../collector/testdata/sample.jsonl', import.meta.url));
    const text = readFileSync(sample, 'utf8');
    const lines = text.split('\n').slice(0, -1);
    assert.ok(lines.length >= 20);
    for (const [i, line] of lines.entries()) {
      const check = validateEvent(parseEvent(line));
      assert.ok(check.valid, `sample.jsonl:${i + 1}: ${check.errors.join('; ')}`);
    }
    const out = join(work, 'sample-out.jsonl');
    const svc = service({ path: sample, pace: 'recorded', speed: 1000 }, { path: out });
    await svc.start();
    await svc.whenDone;
    await svc.shutdown();
    assert.equal(readFileSync(out, 'utf8'), text);
  });

  it('a replay into the very file it reads ends (what is appended meanwhile is not read)', async () => {
    const path = join(work, 'same.jsonl');
    const lines = Array.from({ length: 5000 }, (_, i) => serializeEvent({ ...exampleEvent('file.read', 0), event_id: `01JDQ7SAME${String(i).padStart(16, '0')}` }));
    writeFileSync(path, lines.join('\n') + '\n');
    const svc = service({ path, batch_size: 100 }, { path });
    await svc.start();
    await svc.whenDone;
    const summary = await svc.shutdown();
    assert.equal(summary.eventsOut, lines.length);
    assert.equal(readFileSync(path, 'utf8'), [...lines, ...lines].join('\n') + '\n');
  });

  it('shutdown mid-replay of a large file leaves valid JSONL: a prefix of the input, every line whole', async () => {
    const input = join(work, 'large.jsonl');
    const template = exampleEvent('network.connect', 0);
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(serializeEvent({ ...template, event_id: `01JDQ7LARGE${String(i).padStart(15, '0')}` }));
    writeFileSync(input, lines.join('\n') + '\n');
    const out = join(work, 'large-out.jsonl');
    const svc = service({ path: input, batch_size: 500 }, { path: out });
    await svc.start();
    // Let some of it through, then stop as SIGTERM would.
    while (!existsSync(out) || statSync(out).size < 1_000_000) await new Promise((r) => setTimeout(r, 2));
    const summary = await svc.shutdown();
    const written = readFileSync(out, 'utf8');
    assert.ok(written.endsWith('\n'), 'no torn last line');
    const got = written.split('\n').slice(0, -1);
    assert.ok(got.length > 0 && got.length < lines.length, `${got.length} of ${lines.length} lines`);
    assert.deepEqual(got, lines.slice(0, got.length));
    for (const line of [got[0], got[got.length - 1]]) parseEvent(line);
    // Nothing accepted is lost: what the receiver emitted is what the exporter wrote.
    assert.equal(summary.eventsIn, got.length);
    assert.equal(summary.eventsOut, got.length);
    assert.deepEqual(summary.errors, []);
  });
});
