// At-least-once across a crash: the collector replays model calls into the otlp exporter while the
// backend is down, is killed with SIGKILL once its queue_dir holds every batch, and is started
// again with the same queue_dir once the backend is up: every accepted span arrives.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { it } from 'node:test';
import { serializeEvent } from '@oisp/core';
import { calls } from '../../exporter-otlp/test/model-calls.ts';
import { OtlpReceiver } from '../../exporter-otlp/test/otlp-receiver.ts';

const bin = resolve(import.meta.dirname, '../src/bin.ts');

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function queuedSpans(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((n, f) => n + Number(/^\d{16}-(\d+)\.otlp$/.exec(f)?.[1] ?? 0), 0);
}

it('SIGKILL with the backend down, restart with the same queue_dir: every accepted span arrives', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-otlp-queue-'));
  const queueDir = join(dir, 'queue');
  const input = join(dir, 'calls.jsonl');
  const empty = join(dir, 'empty.jsonl');
  const N = 200;
  writeFileSync(input, calls(N).map((e) => serializeEvent(e)).join('\n') + '\n');
  writeFileSync(empty, '');
  const port = await freePort();
  const config = (path: string) => `receivers: { file: { path: ${JSON.stringify(path)} } }
exporters:
  otlp: { endpoint: "http://127.0.0.1:${port}", queue_dir: ${JSON.stringify(queueDir)}, max_batch_spans: 25, flush_interval_ms: 50, retry: { initial_interval_ms: 50, max_interval_ms: 200 } }
service: { pipelines: { p: { receivers: [file], exporters: [otlp] } } }
`;
  writeFileSync(join(dir, 'first.yaml'), config(input));
  writeFileSync(join(dir, 'second.yaml'), config(empty));

  // 1. Backend down: everything ends up queued on disk; then the collector dies without a word.
  const first = spawn(process.execPath, [bin, '--config', join(dir, 'first.yaml'), '--log-level', 'error'], { stdio: 'inherit' });
  const t0 = Date.now();
  while (queuedSpans(queueDir) < N && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(queuedSpans(queueDir), N, 'every span queued on disk before the kill');
  first.kill('SIGKILL');
  await once(first, 'exit');

  // 2. Backend up, collector restarted on the same queue: the queued batches go out.
  const receiver = await new OtlpReceiver().start(port);
  const second = spawn(process.execPath, [bin, '--config', join(dir, 'second.yaml'), '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let summary = '';
  second.stdout.on('data', (d) => (summary += d));
  const [code] = await once(second, 'exit');
  await receiver.close();
  assert.equal(code, 0);
  const distinct = new Set(receiver.accepted.map((s) => s.spanId));
  assert.equal(distinct.size, N, `all ${N} spans arrived (${receiver.accepted.length} with duplicates)`);
  assert.equal(queuedSpans(queueDir), 0, 'the queue is empty once delivered');
});
