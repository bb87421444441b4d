// README's first command: the collector on its default pipeline (no --config), as a user runs it.
// An SDK calls a (mock) provider at its real host name; the call is in the JSONL, decoded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parseEvent, type AiRequest, type AiResponse, type OispEvent } from '@oisp/core';
import { preflight } from '@oisp/receiver-ebpf';
import { defaultConfig } from '../src/default-config.ts';
import { startSdkHarness } from './providers/sdk-harness.ts';

const bin = resolve(import.meta.dirname, '../src/bin.ts');
const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

describe('the default pipeline', () => {
  it('is ebpf -> http -> providers -> agent -> console + file, with otlp when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
    assert.match(defaultConfig('/x', {}).yaml, /receivers: \[ebpf\]\n\s+processors: \[http, providers, agent\]\n\s+exporters: \[console, file\]/);
    assert.match(defaultConfig('/x', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://tempo:4318' }).yaml, /exporters: \[console, file, otlp\]/);
  });

  it('captures an SDK call to a provider host, on the console and in the JSONL, run with no --config', { skip }, async () => {
    assert.deepEqual(problems, []);
    const dir = mkdtempSync(join(tmpdir(), 'oisp-default-'));
    const events = join(dir, 'events.jsonl');
    const sdk = await startSdkHarness(dir);
    const collector = spawn(process.execPath, [bin, '--log-level', 'info'], { cwd: dir, env: { ...process.env, OISP_EVENTS_FILE: events }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    collector.stdout.on('data', (d) => (out += d));
    collector.stderr.on('data', (d) => (out += d));
    try {
      for (let i = 0; i < 300 && !out.includes('started'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /started/, out);
      const run = await sdk.run('openai-chat');
      const read = (): OispEvent[] => (existsSync(events) ? readFileSync(events, 'utf8').split('\n').filter(Boolean).map(parseEvent) : []);
      const mine = () => read().filter((e) => e.process?.pid === run.pid);
      for (let i = 0; i < 150 && !mine().some((e) => e.event_type === 'ai.response'); i++) await new Promise((r) => setTimeout(r, 100));
      const req = mine().find((e) => e.event_type === 'ai.request') as OispEvent<'ai.request', AiRequest>;
      const res = mine().find((e) => e.event_type === 'ai.response') as OispEvent<'ai.response', AiResponse>;
      assert.ok(req && res, `ai.request and ai.response of pid ${run.pid} in the JSONL; log:\n${out}`);
      assert.equal(req.data.model?.id, run.sent.model);
      assert.equal(res.data.provider_request_id, run.result.id);
      assert.ok(req.trace_context && res.trace_context?.span_id === req.trace_context.span_id, 'the agent processor gave the call its span');
      assert.ok(!mine().some((e) => e.event_type.startsWith('capture.') || e.event_type.startsWith('http.')), 'no raw plaintext in the JSONL');
      // The console line of that call: process, provider and model, tokens, cost, how it ended.
      for (let i = 0; i < 50 && !out.includes(`[${run.pid}]`); i++) await new Promise((r) => setTimeout(r, 100));
      const line = out.split('\n').find((l) => l.includes(`[${run.pid}]`)) ?? '';
      assert.match(line, new RegExp(`openai ${run.result.model}.*in ${run.result.usage.prompt_tokens} out ${run.result.usage.completion_tokens}.*tool_calls`), out);
    } finally {
      collector.kill('SIGINT');
      await once(collector, 'exit');
      await sdk.close();
    }
    assert.match(out, /events in/, 'a summary at exit');
  });
});
