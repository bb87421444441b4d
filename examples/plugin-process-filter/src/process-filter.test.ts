// The process_filter processor: the conformance test every component runs, and its rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OispEvent, ProcessInfo } from '@oisp/core';
import { SinkConsumer, createTestSettings, exampleEvent, runConformance, testHost } from '@oisp/core/testing';
import factory from './index.ts';
import { createDefaultConfig, validateConfig, type ProcessFilterConfig } from './config.ts';
import { ProcessFilter } from './process-filter.ts';

runConformance(factory);
// Selecting every process and dropping none, a configured filter passes everything untouched too.
runConformance(factory, { id: 'process_filter/none_excluded', config: { include: ['*'], exclude: ['no-such-process'] } });

const python: ProcessInfo = { pid: 100, name: 'python3', exe: '/usr/bin/python3.11', cmdline: 'python3 agent.py' };
const ls: ProcessInfo = { pid: 101, ppid: 100, name: 'ls', exe: '/usr/bin/ls' };
const node: ProcessInfo = { pid: 102, name: 'node', exe: '/opt/node-v24/bin/node' };
const curl: ProcessInfo = { pid: 103, exe: '/usr/local/bin/curl' }; // no name: the exe's basename counts

function batch(): OispEvent[] {
  const procs = [python, ls, node, curl, python];
  const events: OispEvent[] = procs.map((process, i) => ({ ...exampleEvent('file.open', i), event_id: `ev${i}`, process }));
  const { process: _none, ...withoutProcess } = exampleEvent('process.exit', 9);
  events.push({ ...withoutProcess, event_id: 'ev-no-process', event_type: 'acme.heartbeat', data: {} });
  return events;
}

async function run(config: Partial<ProcessFilterConfig>) {
  const full = { ...createDefaultConfig(), ...config };
  validateConfig(full);
  const settings = createTestSettings('process_filter');
  const sink = new SinkConsumer();
  const filter = new ProcessFilter(settings, full, sink);
  const input = batch();
  const before = structuredClone(input);
  await filter.start(testHost());
  await filter.consume(input);
  await filter.shutdown();
  assert.deepEqual(input, before, 'the events it was given are not changed');
  return { ids: sink.events.map((e) => e.event_id), events: sink.events, dropped: settings.telemetry.droppedCount('filtered') };
}

describe('process_filter', () => {
  it('include by name glob keeps only those processes (and events without a process)', async () => {
    const { ids, dropped } = await run({ include: ['python*'] });
    assert.deepEqual(ids, ['ev0', 'ev4', 'ev-no-process']);
    assert.equal(dropped, 3);
  });

  it('exclude by name drops those processes', async () => {
    const { ids, dropped } = await run({ exclude: ['ls'] });
    assert.deepEqual(ids, ['ev0', 'ev2', 'ev3', 'ev4', 'ev-no-process']);
    assert.equal(dropped, 1);
  });

  it('a glob with a slash matches the executable path; ? is one character', async () => {
    assert.deepEqual((await run({ include: ['/usr/bin/*'] })).ids, ['ev0', 'ev1', 'ev4', 'ev-no-process']);
    assert.deepEqual((await run({ include: ['*/bin/node', 'l?'] })).ids, ['ev1', 'ev2', 'ev-no-process']);
    assert.deepEqual((await run({ include: ['curl'] })).ids, ['ev3', 'ev-no-process'], 'no name: the basename of exe');
    assert.deepEqual((await run({ include: ['python3.'] })).ids, ['ev-no-process'], 'a dot is a dot, not any character');
  });

  it('exclude applies after include', async () => {
    assert.deepEqual((await run({ include: ['/usr/*'], exclude: ['ls', '*/local/*'] })).ids, ['ev0', 'ev4', 'ev-no-process']);
  });

  it('tag adds attrs to the kept events, keeping the attrs they had', async () => {
    const { events } = await run({ include: ['python3'], tag: { team: 'ml', 'agent.role': 'planner' } });
    assert.equal(events.length, 3);
    for (const e of events.slice(0, 2)) assert.deepEqual(e.attrs, { 'example.tag': 'yes', team: 'ml', 'agent.role': 'planner' });
    assert.equal(events[2].attrs?.team, undefined, 'an event without a process is not selected');
  });

  it('action tag drops nothing and tags only the selected', async () => {
    const { events, dropped } = await run({ action: 'tag', exclude: ['ls'], tag: { watched: 'yes' } });
    assert.equal(dropped, 0);
    assert.deepEqual(events.map((e) => [e.event_id, e.attrs?.watched ?? '-']), [
      ['ev0', 'yes'],
      ['ev1', '-'],
      ['ev2', 'yes'],
      ['ev3', 'yes'],
      ['ev4', 'yes'],
      ['ev-no-process', '-'],
    ]);
  });

  it('rejects action tag without a tag, naming the field', () => {
    assert.throws(() => validateConfig({ ...createDefaultConfig(), action: 'tag' }), /^Error: tag: action "tag" needs at least one key/);
  });

  it('sends nothing on when it dropped the whole batch', async () => {
    const settings = createTestSettings('process_filter');
    const sink = new SinkConsumer();
    const filter = new ProcessFilter(settings, { ...createDefaultConfig(), include: ['nothing'] }, sink);
    await filter.consume(batch().slice(0, 5));
    assert.equal(sink.calls, 0);
    assert.equal(settings.telemetry.droppedCount('filtered'), 5);
  });
});
