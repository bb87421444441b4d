// What no tool does today, live: a small agent on the official SDK (local mock answers a tool call,
// then a final answer) runs a real shell command that lists a folder and reads a file. Captured
// from outside, the run must come out as one trace — invoke_agent -> chat, execute_tool (with the
// shell's exec and the file open inside it, observed), chat — in the JSONL and in an OTLP
// receiver with the same ids, at times consistent with the agent's own log. The agent is marked
// in the kernel by its TLS to a provider host: its tool's file events are kept; an unrelated
// process reading the same file is not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseTimestamp, Service, validateEvent, type AgentSession, type OispEvent, type ProcessExec } from '@oisp/core';
import { callbackExporter } from '@oisp/core/testing';
import { attributes } from '@oisp/otlp-reference';
import { preflight } from '@oisp/receiver-ebpf';
import { OtlpReceiver } from '../../exporter-otlp/test/otlp-receiver.ts';
import { startPipeline } from '../src/start-pipeline.ts';
import { startSdkHarness, type SdkHarness } from './providers/sdk-harness.ts';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;
/** Kernel (monotonic -> wall) and the agent's Date.now() disagree by up to a few ms. */
const SLACK_NS = 5_000_000n;

describe('live: an agent run as one trace', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-agent-trace-'));
  const folder = join(dir, 'work');
  const captured: OispEvent[] = [];
  let service: Service;
  let sdk: SdkHarness;
  let otlp: OtlpReceiver;

  before(async () => {
    assert.deepEqual(problems, []);
    spawn('mkdir', ['-p', folder]);
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(folder, 'notes.txt'), 'remember the milk\n');
    sdk = await startSdkHarness(dir);
    otlp = await new OtlpReceiver().start();
    const yaml = `receivers: { ebpf: {} }
processors: { http: {}, providers: {}, agent: {} }
exporters: { memory: {}, otlp: { endpoint: "${otlp.url}", flush_interval_ms: 100 } }
service: { pipelines: { p: { receivers: [ebpf], processors: [http, providers, agent], exporters: [memory, otlp] } } }
`;
    service = await startPipeline({ yaml, dir, extra: [callbackExporter('memory', (b) => captured.push(...b))] });
  });

  after(async () => {
    await service?.shutdown();
    await otlp?.close();
    await sdk?.close();
  });

  for (const flavour of ['openai', 'anthropic']) {
    it(`${flavour}: invoke_agent -> chat, execute_tool (its processes and file, observed), chat — in the JSONL and over OTLP`, async () => {
      // An unrelated process does the same file work at the same time: not an agent, not kept.
      const bystander = spawn('sh', ['-c', `sleep 0.2; ls ${folder} >/dev/null; cat ${folder}/notes.txt >/dev/null`]);
      const bystanderDone = once(bystander, 'exit');
      const { pid, output } = await sdk.runScript(resolve(import.meta.dirname, '../src/demo/tool-agent.mjs'), [flavour, folder]);
      await bystanderDone;
      const agentLog = output.log as { what: string; start?: string; end?: string; id?: string }[];

      // The agent's process tree, from the exec events.
      const tree = new Set([pid]);
      const waitFor = async (done: () => boolean) => {
        for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
      };
      await waitFor(() => captured.some((e) => e.event_type === 'agent.session' && (e.data as AgentSession).root_pid === pid));
      for (let grew = true; grew; ) {
        grew = false;
        for (const e of captured) {
          if (e.event_type === 'process.exec' && tree.has((e.data as ProcessExec).ppid) && !tree.has(e.process!.pid)) {
            tree.add(e.process!.pid);
            grew = true;
          }
        }
      }
      const mine = captured.filter((e) => e.process && tree.has(e.process.pid) && !e.event_type.startsWith('capture.') && !e.event_type.startsWith('http.'));
      for (const e of mine) assert.deepEqual(validateEvent(e).errors, [], e.event_type);
      const of = (type: string) => mine.filter((e) => e.event_type === type);

      // Marked in the kernel: the tool's file open is kept; the bystander's is not.
      const notes = join(folder, 'notes.txt');
      const opens = captured.filter((e) => e.event_type === 'file.open' && (e.data as { path: string }).path === notes);
      assert.ok(opens.some((e) => tree.has(e.process!.pid)), 'the tool read notes.txt, and it is kept');
      assert.ok(!opens.some((e) => e.process!.pid === bystander.pid || e.process?.ppid === bystander.pid), 'the bystander is not an agent');

      // One trace: the session, two model calls, one tool.
      const [session] = of('agent.session') as OispEvent<'agent.session', AgentSession>[];
      assert.ok(session, 'an agent.session at the agent exit');
      assert.deepEqual([session.data.model_calls, session.data.tool_calls, session.data.end_reason], [2, 1, 'exit']);
      const trace = session.trace_context!.trace_id;
      const root = session.trace_context!.span_id;
      for (const e of mine.filter((x) => x.trace_context)) assert.equal(e.trace_context!.trace_id, trace, `${e.event_type} in the run's trace`);
      const requests = of('ai.request');
      const responses = of('ai.response');
      assert.equal(requests.length, 2);
      assert.deepEqual(responses.map((r) => r.trace_context?.span_id), requests.map((r) => r.trace_context?.span_id));
      for (const r of requests) assert.equal(r.trace_context?.parent_span_id, root);
      // One conversation id on the run, on both model calls and the session.
      const conversation = session.data.conversation_id;
      assert.ok(conversation);
      assert.deepEqual(requests.map((r) => (r.data as { conversation?: { conversation_id?: string } }).conversation?.conversation_id), [conversation, conversation]);
      const [call] = of('agent.tool_call');
      const [result] = of('agent.tool_result');
      assert.equal((call.data as { call_id: string }).call_id, agentLog.find((l) => l.what === 'tool_call_id')!.id);
      assert.equal(result.trace_context?.span_id, call.trace_context?.span_id);
      assert.equal(call.trace_context?.parent_span_id, root);
      const toolSpan = call.trace_context!.span_id;
      // What the tool really did, inside its window, observed: the shell, its ls and cat, the file.
      const toolExecs = of('process.exec').filter((e) => e.trace_context?.parent_span_id === toolSpan);
      assert.deepEqual(toolExecs.map((e) => (e.data as ProcessExec).args[0]).sort(), ['cat', 'ls', 'sh']);
      for (const e of toolExecs) assert.equal(e.trace_context?.link, 'observed');
      const open = of('file.open').find((e) => (e.data as { path: string }).path === notes)!;
      assert.deepEqual([open.trace_context?.parent_span_id, open.trace_context?.link], [toolSpan, 'observed']);

      // Times: each model span and the tool span hold what the agent's own clock says it did.
      const ns = (s: string) => BigInt(s);
      const [model1, model2] = agentLog.filter((l) => l.what === 'model');
      const toolRun = agentLog.find((l) => l.what === 'tool')!;
      const callNs = parseTimestamp(call.ts);
      const resultNs = parseTimestamp(result.ts);
      assert.ok(callNs <= ns(toolRun.start!) + SLACK_NS && ns(toolRun.end!) <= resultNs + SLACK_NS, 'the tool ran inside its window');
      const req1 = parseTimestamp(requests[0].ts);
      assert.ok(ns(model1.start!) <= req1 + SLACK_NS && req1 <= ns(model1.end!) + SLACK_NS, 'the first call began while the agent waited for it');
      assert.ok(parseTimestamp(requests[1].ts) >= ns(model2.start!) - SLACK_NS);

      // Over OTLP, with the same ids.
      await waitFor(() => otlp.accepted.some((s) => s.spanId === root));
      const spans = otlp.accepted.filter((s) => s.traceId === trace);
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      assert.match(byId.get(root)?.name ?? '', /^invoke_agent /);
      for (const r of requests) assert.match(byId.get(r.trace_context!.span_id)!.name, /^chat /);
      const tool = byId.get(toolSpan)!;
      assert.equal(tool.name, 'execute_tool run_shell');
      for (const r of requests) assert.equal(attributes(byId.get(r.trace_context!.span_id)!.attributes)['gen_ai.conversation.id'], conversation);
      assert.equal(tool.parentSpanId, root);
      assert.equal(attributes(tool.attributes)['gen_ai.tool.call.id'], (call.data as { call_id: string }).call_id);
      const toolEvents = (tool.events ?? []).map((e) => e.name);
      assert.ok(toolEvents.includes('process.exec') && toolEvents.includes('file.open'), `span events on the tool: ${toolEvents.join(', ')}`);
    });
  }
});
