// The file exporter as a component: conformance, what it writes, filters, write errors, backpressure.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseEvent, serializeEvent, EVENT_TYPES, type OispEvent } from '@oisp/core';
import { createTestSettings, exampleEvent, runConformance, testHost } from '@oisp/core/testing';
import { fileExporterFactory } from './factory.ts';
import { createDefaultExporterConfig, validateExporterConfig, type FileExporterConfig } from './config.ts';
import { FileExporter } from './file-exporter.ts';
import { tempDirs } from './internal/temp-dirs.ts';

const freshDir = tempDirs('oisp-file-exporter-');

// The conformance test hands it every known type; with include_internal it writes them all.
runConformance(fileExporterFactory, { config: () => ({ path: join(freshDir(), 'out.jsonl'), include_internal: true }) });
runConformance(fileExporterFactory, { id: 'file/default', config: () => ({ path: join(freshDir(), 'out.jsonl') }) });

function make(config: Partial<FileExporterConfig> = {}, dir = freshDir()) {
  const settings = createTestSettings('file', 'exporter', { configDir: dir });
  const full = { ...createDefaultExporterConfig(), ...config };
  validateExporterConfig(full);
  return { dir, settings, exporter: new FileExporter(settings, full) };
}

const readLines = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1);

/** n small events of one type, distinct ids. */
function events(count: number, type = 'process.exit', from = 0): OispEvent[] {
  return Array.from({ length: count }, (_, i) => ({ ...exampleEvent(type as (typeof EVENT_TYPES)[number], from + i), event_id: `e${from + i}` }));
}

describe('file exporter', () => {
  it('writes one serializeEvent line per event, in order, relative to configDir, mode 0600', async () => {
    const { dir, exporter, settings } = make({ path: 'sub-not-needed.jsonl' });
    await exporter.start(testHost());
    const batches = [events(3), events(2, 'ai.request', 3), events(1, 'network.connect', 5)];
    for (const b of batches) await exporter.consume(b);
    await exporter.shutdown();
    const path = join(dir, 'sub-not-needed.jsonl');
    assert.deepEqual(readLines(path), batches.flat().map(serializeEvent));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(settings.telemetry.droppedCount(), 0);
    assert.equal(settings.telemetry.counter('file_bytes_written'), statSync(path).size);
  });

  it('appends to an existing file', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'out.jsonl'), 'earlier line\n');
    const { exporter } = make({ path: 'out.jsonl' }, dir);
    await exporter.start(testHost());
    await exporter.consume(events(2));
    await exporter.shutdown();
    assert.deepEqual(readLines(join(dir, 'out.jsonl')), ['earlier line', ...events(2).map(serializeEvent)]);
  });

  it('keeps internal types (capture.*, http.*) out unless include_internal, counted as dropped internal', async () => {
    const mixed = [...events(1, 'capture.data'), ...events(1, 'ai.request', 1), ...events(1, 'http.request', 2), ...events(1, 'capture.close', 3)];
    const plain = make();
    await plain.exporter.start(testHost());
    await plain.exporter.consume(structuredClone(mixed));
    await plain.exporter.shutdown();
    assert.deepEqual(readLines(join(plain.dir, 'oisp-events.jsonl')).map((l) => parseEvent(l).event_type), ['ai.request']);
    assert.equal(plain.settings.telemetry.droppedCount('internal'), 3);

    const record = make({ include_internal: true });
    await record.exporter.start(testHost());
    await record.exporter.consume(structuredClone(mixed));
    await record.exporter.shutdown();
    const lines = readLines(join(record.dir, 'oisp-events.jsonl'));
    assert.deepEqual(lines.map((l) => parseEvent(l).event_type), ['capture.data', 'ai.request', 'http.request', 'capture.close']);
    // capture.data bytes are base64 in the file and come back as the same bytes.
    const original = mixed[0].data.data as Uint8Array;
    assert.equal(JSON.parse(lines[0]).data.data, Buffer.from(original).toString('base64'));
    assert.deepEqual(new Uint8Array(parseEvent(lines[0]).data.data), new Uint8Array(original));
    assert.equal(record.settings.telemetry.droppedCount(), 0);
  });

  it('include / exclude by exact type or prefix, counted as dropped filtered', async () => {
    const { dir, exporter, settings } = make({ include: ['ai.*', 'agent.tool_call'], exclude: ['ai.embedding'] });
    await exporter.start(testHost());
    const all = EVENT_TYPES.filter((t) => !t.startsWith('capture.') && !t.startsWith('http.')).map((t, i) => ({ ...exampleEvent(t, i), event_id: `x${i}` }));
    await exporter.consume(all);
    await exporter.shutdown();
    assert.deepEqual(readLines(join(dir, 'oisp-events.jsonl')).map((l) => parseEvent(l).event_type), ['ai.request', 'ai.response', 'agent.tool_call']);
    assert.equal(settings.telemetry.droppedCount('filtered'), all.length - 3);
  });

  it('rejects bad patterns and internal includes without include_internal, naming the field', () => {
    const base = createDefaultExporterConfig();
    assert.throws(() => validateExporterConfig({ ...base, exclude: ['ai.request', 'AI Request'] }), /^Error: exclude::1: "AI Request" is not an event type/);
    assert.throws(() => validateExporterConfig({ ...base, include: ['capture.*'] }), /^Error: include: "capture.\*" is an internal event type/);
    validateExporterConfig({ ...base, include: ['capture.*'], include_internal: true });
  });

  it('rotates by max_megabytes keeping max_backups files, every line whole, all 0600', async () => {
    const { dir, exporter, settings } = make({ max_megabytes: 0.01, max_backups: 3 }); // 10485 bytes
    await exporter.start(testHost());
    const all = events(400);
    for (let i = 0; i < all.length; i += 25) await exporter.consume(all.slice(i, i + 25));
    await exporter.shutdown();
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, ['oisp-events.jsonl', 'oisp-events.jsonl.1', 'oisp-events.jsonl.2', 'oisp-events.jsonl.3']);
    const kept: string[] = [];
    for (const f of ['oisp-events.jsonl.3', 'oisp-events.jsonl.2', 'oisp-events.jsonl.1', 'oisp-events.jsonl']) {
      const st = statSync(join(dir, f));
      assert.ok(st.size <= 10485, `${f}: ${st.size} bytes`);
      assert.equal(st.mode & 0o777, 0o600);
      kept.push(...readLines(join(dir, f)));
    }
    // What is kept is the newest tail of the stream, in order, every line a whole event.
    const expected = all.map(serializeEvent);
    assert.deepEqual(kept, expected.slice(expected.length - kept.length));
    assert.ok(settings.telemetry.counter('file_rotations') >= 4);
  });

  it('counts a write error as dropped write_failed and never throws (path is a directory)', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'taken'));
    const { exporter, settings } = make({ path: 'taken' }, dir);
    await exporter.start(testHost()); // logs, does not throw
    await exporter.consume(events(5));
    await exporter.consume(events(3, 'ai.request'));
    await exporter.shutdown();
    assert.equal(settings.telemetry.droppedCount('write_failed'), 8);
    assert.equal(settings.telemetry.errorCount('write_failed'), 2);
  });

  it('counts a write error when a folder on the path is a file (ENOTDIR)', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'plain-file'), 'x');
    const { exporter, settings } = make({ path: 'plain-file/out.jsonl' }, dir);
    await exporter.start(testHost());
    await exporter.consume(events(4));
    await exporter.shutdown();
    assert.equal(settings.telemetry.droppedCount('write_failed'), 4);
  });

  it('creates missing folders (0700) on the path', async () => {
    const { dir, exporter, settings } = make({ path: 'logs/oisp/out.jsonl' });
    await exporter.start(testHost());
    await exporter.consume(events(2));
    await exporter.shutdown();
    assert.equal(readLines(join(dir, 'logs/oisp/out.jsonl')).length, 2);
    assert.equal(statSync(join(dir, 'logs/oisp')).mode & 0o777, 0o700);
    assert.equal(settings.telemetry.droppedCount(), 0);
  });

  it('bounds what it queues: consume waits (backpressure) and everything is written in order', async () => {
    const { dir, exporter } = make({ max_megabytes: 0 });
    await exporter.start(testHost());
    // ~40 MB in flight if nothing waited: consume must return only as the writer catches up.
    const big = { ...exampleEvent('ai.request', 0), data: { ...exampleEvent('ai.request', 0).data, pad: 'p'.repeat(100_000) } };
    let consumed = 0;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) pending.push(exporter.consume([{ ...big, event_id: `big${i}` }]).then(() => void consumed++));
    // Not all 400 consumes resolve at once: some wait for queue space.
    await new Promise((r) => setImmediate(r));
    assert.ok(consumed < 400, `all ${consumed} consumes resolved before anything was written`);
    await Promise.all(pending);
    await exporter.shutdown();
    const ids = readLines(join(dir, 'oisp-events.jsonl')).map((l) => JSON.parse(l).event_id);
    assert.deepEqual(ids, Array.from({ length: 400 }, (_, i) => `big${i}`));
  });

  it('after shutdown drops what it is given, counted, without writing', async () => {
    const { dir, exporter, settings } = make();
    await exporter.start(testHost());
    await exporter.consume(events(2));
    await exporter.shutdown();
    await exporter.consume(events(3));
    assert.equal(settings.telemetry.droppedCount('shutdown'), 3);
    assert.equal(readLines(join(dir, 'oisp-events.jsonl')).length, 2);
  });
});
