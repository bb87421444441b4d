import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defineExporter, defineProcessor, defineReceiver, type Batch, type Consumer, type Host } from '../index.ts';
import { runConformance, foreignBatches, PASSTHROUGH_EVENT_TYPE } from './index.ts';

const schema = {
  type: 'object',
  properties: { path: { type: 'string' }, tag: { type: 'string', default: 'x' } },
  additionalProperties: false,
};

// A processor that owns capture.* (drops them, counting) and passes everything else on.
const dropCaptures = defineProcessor({
  type: 'drop_captures',
  stability: 'alpha',
  configSchema: schema,
  createDefaultConfig: () => ({ tag: 'x' }),
  capabilities: { mutatesData: false },
  create: (settings, _config, next: Consumer) => ({
    start: async () => {},
    shutdown: async () => {},
    consume: async (batch: Batch) => {
      const kept = batch.filter((e) => !e.event_type.startsWith('capture.'));
      settings.telemetry.dropped('filtered', batch.length - kept.length);
      if (kept.length) await next.consume(kept);
    },
  }),
});
runConformance(dropCaptures, { ownedEventTypes: ['capture.*'] });

// A processor that buffers until shutdown (like one that pairs) and tags what it owns.
const buffering = defineProcessor({
  type: 'buffering_tagger',
  stability: 'alpha',
  configSchema: schema,
  createDefaultConfig: () => ({ tag: 'x' }),
  capabilities: { mutatesData: true },
  create: (_settings, config: { tag: string }, next: Consumer) => {
    const held: Batch = [];
    return {
      start: async () => {},
      shutdown: async () => {
        if (held.length) await next.consume(held.splice(0));
      },
      consume: async (batch: Batch) => {
        for (const e of batch) if (e.event_type === 'ai.request') e.attrs = { ...e.attrs, tag: config.tag };
        held.push(...batch);
      },
    };
  },
});
runConformance(buffering, { ownedEventTypes: ['ai.request'] });

// An exporter that writes JSON lines to a file given by the test config.
let dir = '';
const fileExporter = defineExporter({
  type: 'lines',
  stability: 'alpha',
  configSchema: schema,
  createDefaultConfig: () => ({ path: 'out.jsonl', tag: 'x' }),
  capabilities: { mutatesData: false },
  create: (_settings, config: { path: string }) => {
    const lines: string[] = [];
    let done = false;
    return {
      start: async () => {},
      shutdown: async () => {
        if (done) return;
        done = true;
        if (lines.length) writeFileSync(config.path, lines.join('\n') + '\n');
      },
      consume: async (batch: Batch) => {
        for (const e of batch) lines.push(JSON.stringify(e, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
      },
    };
  },
});
runConformance(fileExporter, {
  config: () => {
    dir = mkdtempSync(join(tmpdir(), 'oisp-conformance-'));
    return { path: join(dir, 'out.jsonl') };
  },
  cleanup: () => rmSync(dir, { recursive: true, force: true }),
});

// A finite receiver that emits two batches and reports done.
const finite = defineReceiver({
  type: 'finite',
  stability: 'alpha',
  configSchema: schema,
  createDefaultConfig: () => ({ tag: 'x' }),
  create: (_settings, _config, next: Consumer) => {
    let running: Promise<void> | undefined;
    return {
      start: async (host: Host) => {
        running = (async () => {
          for (const batch of foreignBatches()) await next.consume(batch);
          host.reportDone();
        })();
      },
      shutdown: async () => {
        await running;
      },
    };
  },
});
runConformance(finite);

test('foreignBatches leaves out owned types and keeps test.passthrough', () => {
  const all = foreignBatches().flat();
  const types = new Set(all.map((e) => e.event_type));
  assert.ok(types.has(PASSTHROUGH_EVENT_TYPE));
  assert.ok(types.has('capture.data') && types.has('ai.request'));
  const some = foreignBatches(['capture.*', 'ai.request']).flat().map((e) => e.event_type);
  assert.ok(!some.includes('capture.data') && !some.includes('capture.close') && !some.includes('ai.request'));
  assert.ok(some.includes('ai.response'));
  assert.equal(new Set(all.map((e) => e.event_id)).size, all.length, 'event ids are distinct');
});

test('runConformance fails components that break the contract', () => {
  const fixture = fileURLToPath(new URL('./testdata/broken-components.ts', import.meta.url));
  const reportFile = join(mkdtempSync(join(tmpdir(), 'oisp-conformance-')), 'report.txt');
  // NODE_TEST_CONTEXT would make the child think it runs inside this test runner.
  const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', `--test-reporter-destination=${reportFile}`, fixture], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  assert.ok(existsSync(reportFile), run.stderr);
  const tap = readFileSync(reportFile, 'utf8');
  assert.equal(run.status, 1, 'the broken components must fail');
  const failed = (name: string) => new RegExp(`not ok \\d+ - ${name.replace(/[()]/g, '\\$&')}`).test(tap);
  assert.ok(failed('passes events it does not own (test.passthrough) through unchanged and in order'), tap);
  assert.ok(failed('shuts down without start'), tap);
  assert.ok(failed('default config is valid against its configSchema (defaults filled)'), tap);
  assert.match(tap, /processor reorders: conformance/);
  assert.match(tap, /must reach next unchanged and in order/);
  assert.match(tap, /mutatesData: false changed the events/);
  assert.match(tap, /config invalid against configSchema: \/level must be integer/);
  // Only the broken checks fail: 1 + 1 + 2 + 5 (a bad default config fails every test that creates the component).
  assert.match(tap, /# fail 9\b/, tap);
  assert.match(tap, /# pass 15\b/, tap);
  rmSync(join(reportFile, '..'), { recursive: true, force: true });
});
