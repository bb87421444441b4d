// Delivery: what the exporter does when the backend is away, slow, throttling, refusing, or cut
// off — each outcome as the issue specifies, and each counted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OispEvent } from '@oisp/core';
import { createTestSettings } from '@oisp/core/testing';
import { calls } from '../test/model-calls.ts';
import { OtlpReceiver, type Answer } from '../test/otlp-receiver.ts';
import { createDefaultConfig, type OtlpExporterConfig } from './config.ts';
import { OtlpExporter } from './otlp-exporter.ts';

const FAST_RETRY = { initial_interval_ms: 20, max_interval_ms: 300, max_elapsed_ms: 0 };

async function run(receiver: OtlpReceiver, events: OispEvent[], config: Partial<OtlpExporterConfig>, waitFor: () => boolean, timeoutMs = 20_000) {
  const settings = createTestSettings('otlp', 'exporter');
  const exporter = new OtlpExporter(settings, { ...createDefaultConfig(), endpoint: receiver.url, flush_interval_ms: 20, span_linger_ms: 0, retry: FAST_RETRY, ...config });
  await exporter.start();
  await exporter.consume(events);
  const t0 = Date.now();
  while (!waitFor() && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 20));
  await exporter.shutdown();
  return settings;
}

const ids = (r: OtlpReceiver) => r.accepted.map((s) => s.spanId);

describe('otlp exporter: delivery', () => {
  it('503 with Retry-After for a while, then 200: every span arrives exactly once', async () => {
    const receiver = await new OtlpReceiver().start();
    const windowMs = 2500; // the 30 s, shortened: the same code path, counted the same way
    const start = Date.now();
    receiver.answer = () => (Date.now() - start < windowMs ? { status: 503, retryAfter: '1' } : { status: 200 });
    const settings = await run(receiver, calls(300), { max_batch_spans: 50 }, () => receiver.accepted.length >= 300);
    await receiver.close();
    assert.equal(receiver.accepted.length, 300);
    assert.equal(new Set(ids(receiver)).size, 300, 'no duplicates');
    assert.ok(settings.telemetry.counter('export_retries', { reason: 'HTTP 503' }) >= 2);
    assert.equal(settings.telemetry.counter('spans_exported'), 300);
    assert.deepEqual(settings.telemetry.counts().dropped, {});
  });

  it('429 and 400 mixed: throttled batches retried, refused batches dropped, logged with the body and counted', async () => {
    const receiver = await new OtlpReceiver().start();
    const plan: Answer[] = [{ status: 429, retryAfter: '0' }, { status: 200 }, { status: 400, body: 'bad span: name too long' }, { status: 429 }, { status: 200 }, { status: 200 }];
    receiver.answer = (n) => plan[n] ?? { status: 200 };
    const logs: string[] = [];
    const settings = createTestSettings('otlp', 'exporter');
    const logger = settings.logger;
    const orig = logger.error.bind(logger);
    (logger as { error: unknown }).error = (obj: unknown, msg?: string) => {
      logs.push(JSON.stringify(obj) + ' ' + msg);
      return orig(obj as object, msg);
    };
    const exporter = new OtlpExporter(settings, { ...createDefaultConfig(), endpoint: receiver.url, flush_interval_ms: 1000, span_linger_ms: 0, max_batch_spans: 10, retry: FAST_RETRY });
    await exporter.start();
    await exporter.consume(calls(40));
    const t0 = Date.now();
    while (receiver.accepted.length < 30 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    await exporter.shutdown();
    await receiver.close();
    // 4 batches of 10: the one answered 400 is gone, the others arrived once each.
    assert.equal(receiver.accepted.length, 30);
    assert.equal(new Set(ids(receiver)).size, 30);
    assert.equal(settings.telemetry.droppedCount('rejected_400'), 10);
    assert.equal(settings.telemetry.counter('export_retries', { reason: 'HTTP 429' }), 2);
    assert.ok(logs.some((l) => l.includes('bad span: name too long') && l.includes('HTTP 400')), logs.join('\n'));
  });

  it('a hanging backend times out and the batch is retried; a connection cut mid-request too', async () => {
    const receiver = await new OtlpReceiver().start();
    const plan: Answer[] = ['hang', 'cut', { status: 200 }];
    receiver.answer = (n) => plan[n] ?? { status: 200 };
    const settings = await run(receiver, calls(5), { timeout_ms: 300 }, () => receiver.accepted.length >= 5);
    await receiver.close();
    assert.equal(receiver.accepted.length, 5);
    assert.equal(settings.telemetry.counter('export_retries', { reason: 'connection' }), 2);
  });

  it('a partial success is logged and its rejected spans counted', async () => {
    const receiver = await new OtlpReceiver().start();
    receiver.answer = () => ({ status: 200, rejected: 2, message: 'two spans had no name' });
    const settings = await run(receiver, calls(6), {}, () => receiver.accepted.length >= 6);
    await receiver.close();
    assert.equal(settings.telemetry.droppedCount('partially_rejected'), 2);
    assert.equal(settings.telemetry.counter('spans_exported'), 4);
  });

  it('a full queue drops the oldest batches, counted, and delivers the newest', async () => {
    const receiver = await new OtlpReceiver().start();
    let open = false;
    receiver.answer = () => (open ? { status: 200 } : { status: 503 });
    const settings = createTestSettings('otlp', 'exporter');
    const exporter = new OtlpExporter(settings, { ...createDefaultConfig(), endpoint: receiver.url, flush_interval_ms: 10_000, span_linger_ms: 0, max_batch_spans: 10, queue_max_batches: 3, retry: FAST_RETRY });
    await exporter.start();
    for (let i = 0; i < 6; i++) await exporter.consume(calls(10, i * 10));
    open = true;
    const t0 = Date.now();
    while (receiver.accepted.length < 30 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    await exporter.shutdown();
    await receiver.close();
    assert.equal(settings.telemetry.droppedCount('queue_full'), 30);
    assert.equal(receiver.accepted.length, 30);
  });

  it('with nowhere to deliver at shutdown, what is left is counted as dropped', async () => {
    const receiver = await new OtlpReceiver().start();
    receiver.answer = () => ({ status: 503 });
    const settings = await run(receiver, calls(3), { retry: { initial_interval_ms: 1000, max_interval_ms: 1000, max_elapsed_ms: 0 } }, () => true);
    await receiver.close();
    assert.equal(settings.telemetry.droppedCount('undelivered_at_shutdown'), 3);
  });
});
