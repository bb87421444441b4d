// `oisp-collector demo` as a new user runs it: its console output must show the model call, the
// tool and the commands it ran, the token counts the mock returned, and the JSONL it wrote.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { it } from 'node:test';
import { preflight } from '@oisp/receiver-ebpf';

const bin = resolve(import.meta.dirname, '../src/bin.ts');
const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

it('demo: a captured agent run on the console and in the JSONL', { skip }, () => {
  const r = spawnSync(process.execPath, [bin, 'demo'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const out = r.stdout;
  // The mock's answers: gpt-4o-mini, 31 tokens in and 12 out per call, a tool call then a stop.
  assert.match(out, /node tool-agent\.mjs\[\d+\] {2}openai gpt-4o-mini .* in 31 out 12 .*tool_calls/);
  assert.match(out, /↳ tool run_shell \{"command":"ls && cat notes\.txt"\}/);
  assert.match(out, /\$ sh -c ls \S+\/project && cat \S+\/project\/notes\.txt/);
  assert.match(out, /\$ cat \S+\/notes\.txt/);
  assert.match(out, /openai gpt-4o-mini .* in 31 out 12 .*stop/);
  assert.match(out, /openai gpt-4o-mini: 2 calls, 62 in \/ 24 out tokens/);
  const file = /the same run as OISP events: (\S+)/.exec(out)?.[1];
  assert.ok(file, out);
  const types = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).event_type as string);
  for (const t of ['ai.request', 'ai.response', 'agent.tool_call', 'agent.tool_result', 'process.exec', 'agent.session']) assert.ok(types.includes(t), `${t} in the JSONL`);
});
