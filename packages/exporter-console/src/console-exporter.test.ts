import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createEvent, formatTimestamp, type OispEvent } from '@oisp/core';
import { createTestSettings, runConformance } from '@oisp/core/testing';
import { createDefaultConfig, type ConsoleExporterConfig } from './config.ts';
import factory from './index.ts';
import { ConsoleExporter } from './console-exporter.ts';

const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oisp-console-')), 'out.txt');
runConformance(factory, { config: () => ({ output: tmp() }) });

const T0 = 1_764_000_000_000_000_000n;
const at = (ms: number) => formatTimestamp(T0 + BigInt(ms) * 1_000_000n);
const proc = { pid: 4242, cmdline: '/usr/bin/python3 /srv/agent.py --fast', name: 'python3' };
const openai = { name: 'openai', endpoint: 'api.openai.com' };
const tc = (span: string, parent: string) => ({ trace_id: 'a'.repeat(32), span_id: span.repeat(16), parent_span_id: parent.repeat(16), link: 'observed' as const });

function run(): OispEvent[] {
  return [
    createEvent('ai.request', { request_id: 'r1', provider: openai, model: { id: 'gpt-4o-mini' }, request_type: 'chat', streaming: true }, { ts: at(0), process: proc }),
    createEvent('ai.response', { request_id: 'r1', provider: openai, model: { id: 'gpt-4o-mini-2024-07-18' }, status_code: 200, success: true, usage: { prompt_tokens: 120, completion_tokens: 20 }, cost: { input_usd: 0.0001, output_usd: 0.0002, total_usd: 0.0003, source: 't' }, finish_reason: 'tool_calls', latency_ms: 812.5, time_to_first_token_ms: 250 }, { ts: at(800), process: proc }),
    createEvent('agent.tool_call', { call_id: 'c1', tool: { name: 'run_shell' }, arguments: '{"command":"ls /tmp"}', request_id: 'r1' }, { ts: at(801), process: proc, trace_context: tc('b', 'c') }),
    createEvent('process.exec', { exe: '/usr/bin/ls', args: ['ls', '/tmp'], ppid: 4242, uid: 0 }, { ts: at(810), process: { pid: 4300 }, trace_context: tc('d', 'b') }),
    createEvent('file.open', { path: '/tmp/notes.txt', fd: 3, flags: 0, result: 3 }, { ts: at(811), process: { pid: 4300 }, trace_context: tc('e', 'b') }),
    createEvent('process.exec', { exe: '/usr/bin/cron', args: ['cron'], ppid: 1, uid: 0 }, { ts: at(812), process: { pid: 99 } }),
    createEvent('ai.request', { request_id: 'r2', provider: openai, model: { id: 'gpt-4o-mini' }, request_type: 'chat', streaming: false }, { ts: at(900), process: proc }),
    createEvent('ai.response', { request_id: 'r2', provider: openai, status_code: 429, success: false, error: { type: 'rate_limit_exceeded', message: 'slow down' }, finish_reason: 'error', latency_ms: 40 }, { ts: at(940), process: proc }),
  ];
}

async function render(config: Partial<ConsoleExporterConfig>): Promise<string[]> {
  const output = tmp();
  const exporter = new ConsoleExporter(createTestSettings('console', 'exporter'), { ...createDefaultConfig(), output, ...config });
  await exporter.start();
  await exporter.consume(run());
  await exporter.shutdown();
  return fs.readFileSync(output, 'utf8').trimEnd().split('\n').map((l) => l.replace(/\d\d:\d\d:\d\d\.\d{3}/, 'HH:MM:SS.mmm'));
}

describe('console exporter', () => {
  it('a line per model call, the tool and what ran under it, a summary — plain in a file', async () => {
    assert.deepEqual(await render({}), [
      'HH:MM:SS.mmm  python3 agent.py[4242]  openai gpt-4o-mini-2024-07-18  813ms  ttft 250ms  in 120 out 20  $0.0003  tool_calls',
      '    ↳ tool run_shell {"command":"ls /tmp"}',
      '        $ ls /tmp',
      'HH:MM:SS.mmm  python3 agent.py[4242]  openai gpt-4o-mini  40ms  429 rate_limit_exceeded: slow down',
      'summary',
      '  openai gpt-4o-mini-2024-07-18: 1 calls, 120 in / 20 out tokens, $0.0003',
      '  openai gpt-4o-mini: 1 calls (1 failed), 0 in / 0 out tokens, cost unknown',
      '  total: 2 calls, $0.0003',
    ]);
  });

  it('verbosity: calls shows model calls only; all adds files and connections under tools', async () => {
    const calls = await render({ verbosity: 'calls', summary: false });
    assert.equal(calls.length, 2);
    const all = await render({ verbosity: 'all', summary: false });
    assert.ok(all.some((l) => /^ {8}file\.open +\/tmp\/notes\.txt$/.test(l)), all.join('\n'));
  });

  it('colour only when asked (always) or on a terminal', async () => {
    const plain = (await render({ color: 'never' })).join('\n');
    assert.ok(!plain.includes('\x1b['));
    const colored = (await render({ color: 'always' })).join('\n');
    assert.ok(colored.includes('\x1b[31m429'), 'errors in red');
  });
});
