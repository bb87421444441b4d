// The file receiver as a component: conformance, bad lines, batching, bytes, shutdown mid-replay, pace.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { serializeEvent, type OispEvent } from '@oisp/core';
import { SinkConsumer, createTestSettings, exampleEvent, runConformance, testHost } from '@oisp/core/testing';
import { fileReceiverFactory } from './factory.ts';
import { createDefaultReceiverConfig, type FileReceiverConfig } from './config.ts';
import { FileReceiver, type FileReceiverTiming } from './file-receiver.ts';
import { tempDirs } from './internal/temp-dirs.ts';

const freshDir = tempDirs('oisp-file-receiver-');

function events(count: number, type: Parameters<typeof exampleEvent>[0] = 'process.exit'): OispEvent[] {
  return Array.from({ length: count }, (_, i) => ({ ...exampleEvent(type, i), event_id: `e${String(i).padStart(7, '0')}` }));
}
const jsonl = (list: OispEvent[]) => list.map((e) => serializeEvent(e) + '\n').join('');

runConformance(fileReceiverFactory, {
  config: () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'in.jsonl'), jsonl(events(5)));
    return { path: join(dir, 'in.jsonl') };
  },
});

interface Made {
  receiver: FileReceiver;
  sink: SinkConsumer;
  settings: ReturnType<typeof createTestSettings>;
  warnings: string[];
}

function make(content: string, config: Partial<FileReceiverConfig> = {}, sink = new SinkConsumer(), timing: FileReceiverTiming = {}): Made {
  const dir = freshDir();
  writeFileSync(join(dir, 'in.jsonl'), content);
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const settings = createTestSettings('file', 'receiver', { configDir: dir, logger });
  const receiver = new FileReceiver(settings, { ...createDefaultReceiverConfig(), path: 'in.jsonl', ...config }, sink, timing);
  return { receiver, sink, settings, warnings };
}

describe('file receiver', () => {
  it('replays every event in order in batches of batch_size, then reports done', async () => {
    const input = events(2500);
    const { receiver, sink } = make(jsonl(input), { batch_size: 1000 });
    const host = testHost({ receiver: ['file'] });
    await receiver.start(host);
    await host.whenDone;
    assert.deepEqual(sink.batches.map((b) => b.length), [1000, 1000, 500]);
    assert.deepEqual(sink.events, input);
    assert.equal(sink.inFlight, 0, 'done is reported after the last consume resolved');
    await receiver.shutdown();
  });

  it('restores capture.data bytes from base64', async () => {
    const input = events(3, 'capture.data');
    const { receiver, sink } = make(jsonl(input));
    const host = testHost();
    await receiver.start(host);
    await host.whenDone;
    await receiver.shutdown();
    assert.equal(sink.events.length, 3);
    for (const [i, e] of sink.events.entries()) {
      assert.ok(e.data.data instanceof Uint8Array);
      assert.deepEqual(new Uint8Array(e.data.data), new Uint8Array(input[i].data.data));
    }
  });

  it('reports every bad line as path:line: reason, counts it, and goes on', async () => {
    const good = events(4);
    const lines = [
      serializeEvent(good[0]), // 1
      '{"event_id": "broken', // 2
      '', // 3: blank lines are skipped silently
      serializeEvent(good[1]), // 4
      '[1,2,3]', // 5
      '{"event_id":"x","event_type":"ai.request","data":{}}', // 6: no ts
      '   ', // 7
      serializeEvent(good[2]), // 8
      '{"event_id":"c","event_type":"capture.data","ts":"2026-11-24T22:05:11Z","data":{"data":7}}', // 9
      serializeEvent(good[3]).slice(0, 40), // 10: torn last line, no newline
    ];
    const { receiver, sink, settings, warnings } = make(lines.join('\n'));
    const host = testHost();
    await receiver.start(host);
    await host.whenDone;
    await receiver.shutdown();
    assert.deepEqual(sink.events, good.slice(0, 3));
    assert.equal(settings.telemetry.errorCount('bad_line'), 5);
    assert.equal(receiver.badLines, 5);
    const at = warnings.map((w) => w.replace(receiver.path, 'PATH'));
    assert.equal(at.length, 5);
    assert.match(at[0], /^PATH:2: invalid JSON/);
    assert.match(at[1], /^PATH:5: not a JSON object/);
    assert.match(at[2], /^PATH:6: ts: missing or not a string/);
    assert.match(at[3], /^PATH:9: data\.data: capture\.data bytes must be a base64 string/);
    assert.match(at[4], /^PATH:10: invalid JSON/);
  });

  it('skips a line longer than max_line_bytes by number and goes on', async () => {
    const good = events(2);
    const { receiver, sink, warnings } = make(`${serializeEvent(good[0])}\n"${'x'.repeat(5000)}"\n${serializeEvent(good[1])}\n`, { max_line_bytes: 2048 });
    const host = testHost();
    await receiver.start(host);
    await host.whenDone;
    await receiver.shutdown();
    assert.deepEqual(sink.events, good);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /:2: line of \d+\+ bytes is longer than max_line_bytes \(2048\)$/);
  });

  it('fails to start, naming path, when the file is missing or a directory', async () => {
    const dir = freshDir();
    const settings = createTestSettings('file', 'receiver', { configDir: dir });
    const missing = new FileReceiver(settings, { ...createDefaultReceiverConfig(), path: 'nope.jsonl' }, new SinkConsumer());
    await assert.rejects(missing.start(testHost()), /^Error: path: cannot replay .*nope\.jsonl: ENOENT/);
    await missing.shutdown();
    const folder = new FileReceiver(settings, { ...createDefaultReceiverConfig(), path: '.' }, new SinkConsumer());
    await assert.rejects(folder.start(testHost()), /path: cannot replay .*: not a regular file/);
  });

  it('counts a rejected consume as dropped and goes on', async () => {
    const sink = new SinkConsumer({ fail: (_b, call) => call === 1 });
    const { receiver, settings } = make(jsonl(events(30)), { batch_size: 10 }, sink);
    const host = testHost();
    await receiver.start(host);
    await host.whenDone;
    await receiver.shutdown();
    assert.equal(sink.events.length, 20);
    assert.equal(settings.telemetry.droppedCount('consume_failed'), 10);
  });

  it('shutdown mid-replay stops at a line boundary: what was handed on is a prefix, awaited, no done', async () => {
    const input = events(20_000);
    const sink = new SinkConsumer({ delayMs: 2 });
    const { receiver } = make(jsonl(input), { batch_size: 100 }, sink);
    const host = testHost();
    await receiver.start(host);
    await sink.waitForEvents(500);
    await receiver.shutdown();
    assert.equal(sink.inFlight, 0, 'every consume resolved before shutdown did');
    const got = sink.events.length;
    assert.ok(got >= 500 && got < input.length, `${got} events`);
    assert.deepEqual(sink.events, input.slice(0, got), 'a prefix of the file, in order');
    // Whole events only; the last batch may be short (the events parsed when shutdown came).
    assert.ok(sink.batches.slice(0, -1).every((b) => b.length === 100));
    assert.equal(host.done, false);
    const calls = sink.calls;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sink.calls, calls, 'nothing is handed on after shutdown');
  });

  describe('pace', () => {
    const at = (ms: number, i: number): OispEvent => ({ ...exampleEvent('process.exit', i), event_id: `p${i}`, ts: new Date(Date.UTC(2026, 10, 24, 22, 0, 0, ms)).toISOString() });
    // Two events at 0 ms, one at 100, two at 400, one out of order (earlier) at 350, one at 1000.
    const input = [at(0, 0), at(0, 1), at(100, 2), at(400, 3), at(400, 4), at(350, 5), at(1000, 6)];

    /** A clock that only moves when the receiver sleeps: the waits it asks for are exact. */
    function fakeTiming() {
      let now = 0;
      const sleeps: number[] = [];
      const timing: FileReceiverTiming = {
        clock: { now: () => now },
        sleep: async (ms) => {
          sleeps.push(ms);
          now += ms;
        },
      };
      return { timing, sleeps };
    }

    it('recorded: waits by the ts differences divided by speed, and hands on what is due before each wait', async () => {
      const { timing, sleeps } = fakeTiming();
      const { receiver, sink } = make(jsonl(input), { pace: 'recorded', speed: 2 }, new SinkConsumer(), timing);
      const host = testHost();
      await receiver.start(host);
      await host.whenDone;
      await receiver.shutdown();
      assert.deepEqual(sleeps, [50, 150, 300]);
      assert.deepEqual(sink.batches.map((b) => b.map((e) => e.event_id)), [['p0', 'p1'], ['p2'], ['p3', 'p4', 'p5'], ['p6']]);
    });

    it('recorded at speed 1 over the real clock keeps order and waits at least the recorded span', async () => {
      const quick = [at(0, 0), at(30, 1), at(60, 2)];
      const { receiver, sink } = make(jsonl(quick), { pace: 'recorded', speed: 1 });
      const host = testHost();
      const t0 = performance.now();
      await receiver.start(host);
      await host.whenDone;
      await receiver.shutdown();
      assert.deepEqual(sink.events.map((e) => e.event_id), ['p0', 'p1', 'p2']);
      assert.ok(performance.now() - t0 >= 55, 'the replay cannot be faster than the recording');
    });

    it('full_speed never waits', async () => {
      const { timing, sleeps } = fakeTiming();
      const { receiver, sink } = make(jsonl(input), {}, new SinkConsumer(), timing);
      const host = testHost();
      await receiver.start(host);
      await host.whenDone;
      await receiver.shutdown();
      assert.deepEqual(sleeps, []);
      assert.deepEqual(sink.batches.length, 1);
    });

    it('shutdown during a recorded wait ends the replay promptly, handing on the parsed event', async () => {
      const long = [at(0, 0), at(60_000, 1), at(120_000, 2)];
      const { receiver, sink } = make(jsonl(long), { pace: 'recorded' });
      const host = testHost();
      await receiver.start(host);
      await sink.waitForEvents(1);
      const t0 = performance.now();
      await receiver.shutdown();
      assert.ok(performance.now() - t0 < 5000, 'shutdown did not wait out the recorded minute');
      assert.deepEqual(sink.events.map((e) => e.event_id), ['p0', 'p1']);
      assert.equal(host.done, false);
    });
  });
});
