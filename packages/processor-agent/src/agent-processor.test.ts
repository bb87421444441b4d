import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent, formatTimestamp, validateEvent, type AgentSession, type OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer } from '@oisp/core/testing';
import { AgentProcessor } from './agent-processor.ts';
import { createDefaultConfig, type AgentProcessorConfig } from './config.ts';

const T0 = 1_764_000_000_000_000_000n;
const ms = (n: number) => formatTimestamp(T0 + BigInt(n) * 1_000_000n);
const hash = (s: string) => `sha256:${Buffer.from(s).toString('hex').slice(0, 32).padEnd(32, '0')}`;

/** Events as the providers processor and the ebpf receiver make them, at `at` ms. */
const ev = {
  request: (at: number, pid: number, id: string, messages: string[], extra: Record<string, unknown> = {}) =>
    createEvent('ai.request', { request_id: id, provider: { name: 'openai' }, request_type: 'chat', streaming: false, messages: messages.map((m, i) => ({ role: i % 2 ? 'assistant' : 'user', content: m, content_hash: hash(m) })), ...extra }, { ts: ms(at), process: { pid, name: 'python3' } }),
  response: (at: number, pid: number, id: string, extra: Record<string, unknown> = {}) =>
    createEvent('ai.response', { request_id: id, provider: { name: 'openai' }, status_code: 200, success: true, ...extra }, { ts: ms(at), process: { pid } }),
  toolCall: (at: number, pid: number, id: string, callId: string, args: unknown) =>
    createEvent('agent.tool_call', { call_id: callId, tool: { name: 'shell' }, arguments: args, request_id: id }, { ts: ms(at), process: { pid } }),
  toolResult: (at: number, pid: number, id: string, callId: string) =>
    createEvent('agent.tool_result', { call_id: callId, tool: { name: 'shell' }, result: 'ok', request_id: id }, { ts: ms(at), process: { pid } }),
  exec: (at: number, pid: number, ppid: number, args: string[]) =>
    createEvent('process.exec', { exe: `/usr/bin/${args[0]}`, args, ppid, uid: 0 }, { ts: ms(at), process: { pid, ppid, name: args[0] } }),
  open: (at: number, pid: number, path: string) => createEvent('file.open', { path, fd: 3, flags: 0, result: 3 }, { ts: ms(at), process: { pid } }),
  exit: (at: number, pid: number) => createEvent('process.exit', { exit_code: 0 }, { ts: ms(at), process: { pid } }),
};

async function run(events: OispEvent[], config: Partial<AgentProcessorConfig> = {}) {
  const settings = createTestSettings('agent');
  const sink = new SinkConsumer();
  const p = new AgentProcessor(settings, { ...createDefaultConfig(), ...config }, sink);
  await p.start();
  for (const e of events) await p.consume([e]);
  await p.shutdown();
  for (const e of sink.events) assert.deepEqual(validateEvent(e).errors, [], `${e.event_type} valid`);
  return { out: sink.events, settings, processor: p };
}

const sessions = (out: OispEvent[]) => out.filter((e) => e.event_type === 'agent.session') as OispEvent<'agent.session', AgentSession>[];
const byId = (out: OispEvent[], id: string) => out.find((e) => e.event_id === id)!;

describe('agent processor', () => {
  it('one agent loop is one trace: model calls, a tool span, the tool process and its file under it', async () => {
    const r1 = ev.request(0, 100, 'q1', ['list /tmp/w']);
    const a1 = ev.response(900, 100, 'q1');
    const call = ev.toolCall(901, 100, 'q1', 'call_1', '{"command":"ls /tmp/w"}');
    const exec = ev.exec(950, 101, 100, ['ls', '/tmp/w']);
    const open = ev.open(951, 101, '/tmp/w');
    const exit = ev.exit(960, 101);
    const r2 = ev.request(1000, 100, 'q2', ['list /tmp/w', 'calling ls', 'a.txt']);
    const result = ev.toolResult(1000, 100, 'q2', 'call_1');
    const a2 = ev.response(1500, 100, 'q2');
    const unrelated = ev.open(1200, 555, '/etc/passwd');
    const agentExit = ev.exit(2000, 100);
    const { out } = await run([ev.exec(-10, 100, 1, ['python3', '/srv/agent.py']), r1, a1, call, exec, open, exit, r2, result, unrelated, a2, agentExit]);

    const trace = r1.trace_context!.trace_id;
    const [session] = sessions(out);
    assert.ok(session, 'an agent.session event at exit');
    assert.equal(session.trace_context?.trace_id, trace);
    const root = session.trace_context!.span_id;
    assert.deepEqual(session.data, { agent: { name: 'python3 agent.py' }, root_pid: 100, conversation_id: `oisp-${trace.slice(0, 16)}`, start_ts: ms(0), end_ts: ms(2000), end_reason: 'exit', model_calls: 2, tool_calls: 1, processes: 2 });
    // One conversation id on every turn (derived: the API gave none), with the turn number.
    assert.deepEqual([r1, r2].map((r) => (r.data as { conversation?: unknown }).conversation), [{ conversation_id: `oisp-${trace.slice(0, 16)}`, turn_number: 1 }, { conversation_id: `oisp-${trace.slice(0, 16)}`, turn_number: 2 }]);
    // Model calls: request and response share a span under the session.
    assert.equal(a1.trace_context?.span_id, r1.trace_context?.span_id);
    assert.equal(a2.trace_context?.span_id, r2.trace_context?.span_id);
    assert.notEqual(r1.trace_context?.span_id, r2.trace_context?.span_id);
    for (const e of [r1, a1, r2, a2]) assert.deepEqual([e.trace_context?.trace_id, e.trace_context?.parent_span_id, e.trace_context?.link], [trace, root, 'observed']);
    // The tool: call and result share a span; the result's pairing is inferred from history.
    assert.equal(result.trace_context?.span_id, call.trace_context?.span_id);
    assert.equal(call.trace_context?.parent_span_id, root);
    assert.equal(result.trace_context?.link, 'inferred');
    // What the tool really did, observed, under the tool span.
    for (const e of [exec, open, exit]) assert.deepEqual([e.trace_context?.trace_id, e.trace_context?.parent_span_id, e.trace_context?.link], [trace, call.trace_context?.span_id, 'observed']);
    assert.equal(byId(out, unrelated.event_id).trace_context, undefined, 'another process is not in the trace');
  });

  it('two agents at once: two traces, nothing crossed', async () => {
    const events = [
      ev.request(0, 200, 'a1', ['task A']), ev.request(1, 300, 'b1', ['task B']),
      ev.response(10, 200, 'a1'), ev.toolCall(11, 200, 'a1', 'ca', { command: 'cat /a' }),
      ev.response(12, 300, 'b1'), ev.toolCall(13, 300, 'b1', 'cb', { command: 'cat /b' }),
      ev.exec(20, 201, 200, ['cat', '/a']), ev.exec(21, 301, 300, ['cat', '/b']),
      ev.open(22, 301, '/b'), ev.open(23, 201, '/a'),
    ];
    const { out } = await run(events);
    const [ra, rb, , ca, , cb, xa, xb, ob, oa] = events;
    assert.notEqual(ra.trace_context?.trace_id, rb.trace_context?.trace_id);
    for (const [e, call] of [[xa, ca], [oa, ca], [xb, cb], [ob, cb]] as const) {
      assert.equal(e.trace_context?.trace_id, call.trace_context?.trace_id);
      assert.equal(e.trace_context?.parent_span_id, call.trace_context?.span_id);
    }
    assert.equal(sessions(out).length, 2);
  });

  it('one agent, two conversations at once: split by history; parallel tools told apart by what they ran', async () => {
    const events = [
      ev.request(0, 400, 'x1', ['conversation X']), ev.request(1, 400, 'y1', ['conversation Y']),
      ev.response(10, 400, 'x1'), ev.toolCall(11, 400, 'x1', 'cx', '{"command":"wc -l /data/x.csv"}'),
      ev.response(12, 400, 'y1'), ev.toolCall(13, 400, 'y1', 'cy', '{"command":"head /data/y.csv"}'),
      ev.exec(20, 402, 400, ['head', '/data/y.csv']), ev.exec(21, 401, 400, ['wc', '-l', '/data/x.csv']),
      ev.open(22, 401, '/data/x.csv'), ev.open(23, 402, '/data/y.csv'),
      ev.request(30, 400, 'y2', ['conversation Y', 'head it', '3 lines']), ev.toolResult(30, 400, 'y2', 'cy'),
      ev.request(31, 400, 'x2', ['conversation X', 'count it', '10']), ev.toolResult(31, 400, 'x2', 'cx'),
    ];
    const { out } = await run(events);
    const [x1, y1, , cx, , cy, execY, execX, openX, openY, y2, resY, x2, resX] = events;
    assert.notEqual(x1.trace_context?.trace_id, y1.trace_context?.trace_id);
    assert.equal(x2.trace_context?.trace_id, x1.trace_context?.trace_id, 'the next turn of X continues X');
    assert.equal(y2.trace_context?.trace_id, y1.trace_context?.trace_id, 'the next turn of Y continues Y');
    assert.equal(resX.trace_context?.span_id, cx.trace_context?.span_id);
    assert.equal(resY.trace_context?.span_id, cy.trace_context?.span_id);
    for (const [e, call] of [[execX, cx], [openX, cx], [execY, cy], [openY, cy]] as const) {
      assert.equal(e.trace_context?.parent_span_id, call.trace_context?.span_id, `${e.event_type} ${(e.data as { path?: string }).path ?? ''}`);
    }
    const s = sessions(out);
    assert.equal(s.length, 2);
    assert.deepEqual(s.map((e) => e.data.model_calls), [2, 2]);
  });

  it('an explicit conversation id and a Responses previous_response_id join their session', async () => {
    const r1 = ev.request(0, 500, 'p1', ['hi'], { conversation: { conversation_id: 'thread_9' } });
    const r2 = ev.request(10, 500, 'p2', ['other'], { conversation: { conversation_id: 'thread_9' } });
    const r3 = ev.request(20, 500, 'p3', ['fresh']);
    const a3 = ev.response(25, 500, 'p3', { provider_request_id: 'resp_abc' });
    const r4 = ev.request(30, 500, 'p4', ['follow-up'], { conversation: { conversation_id: 'resp_abc' } });
    const { out } = await run([r1, r2, r3, a3, r4]);
    assert.equal(r2.trace_context?.trace_id, r1.trace_context?.trace_id);
    assert.notEqual(r3.trace_context?.trace_id, r1.trace_context?.trace_id);
    assert.equal(r4.trace_context?.trace_id, r3.trace_context?.trace_id);
    const threaded = sessions(out).find((s) => s.trace_context?.trace_id === r1.trace_context?.trace_id)!;
    assert.equal(threaded.data.conversation_id, 'thread_9');
  });

  it('a call through a local proxy, captured on both legs, is one model call: the upstream leg linked under the client\'s', async () => {
    const local = { name: 'openai_compatible', endpoint: '127.0.0.1:4000', detected_by: 'api_shape', compatible_with: 'openai' };
    const clientLeg = ev.request(0, 800, 'leg1', ['summarise this'], { provider: local, model: { id: 'gpt-4o' } });
    const upstream = ev.request(5, 900, 'leg2', ['summarise this'], { model: { id: 'gpt-4o' } });
    const upstreamResponse = ev.response(300, 900, 'leg2');
    const clientResponse = ev.response(310, 800, 'leg1');
    const { out, settings } = await run([clientLeg, upstream, upstreamResponse, clientResponse, ev.exit(400, 800)]);
    assert.deepEqual(upstream.related_events, [{ event_id: clientLeg.event_id, relationship: 'proxied_from' }]);
    assert.deepEqual([upstream.trace_context?.trace_id, upstream.trace_context?.parent_span_id, upstream.trace_context?.link], [clientLeg.trace_context?.trace_id, clientLeg.trace_context?.span_id, 'inferred']);
    assert.equal(upstreamResponse.trace_context?.span_id, upstream.trace_context?.span_id);
    assert.equal(upstream.attrs?.['oisp.proxy_leg'], 'upstream');
    const s = sessions(out);
    assert.deepEqual(s.map((e) => [e.data.root_pid, e.data.model_calls]), [[800, 1]], 'one session, one model call: the proxy is not an agent of its own');
    assert.equal(settings.telemetry.counter('proxy_legs_linked'), 1);
  });

  it('sessions end when idle and memory stays bounded; each end is counted', async () => {
    const events = [ev.request(0, 600, 'i1', ['one']), ev.request(10_000, 601, 'i2', ['two'])];
    const { out, settings, processor } = await run(events, { session_idle_ms: 5000, tool_window_ms: 5000 });
    const s = sessions(out);
    assert.deepEqual(s.map((e) => e.data.end_reason), ['idle', 'shutdown']);
    assert.equal(settings.telemetry.counter('sessions_ended', { reason: 'idle' }), 1);
    assert.equal(settings.telemetry.counter('sessions_ended', { reason: 'shutdown' }), 1);
    assert.equal(processor.sessions, 0);
  });

  it('evicts the least recently active session beyond max_sessions, counted as dropped', async () => {
    const events = [0, 1, 2, 3].map((i) => ev.request(i, 700 + i, `e${i}`, [`m${i}`]));
    const { out, settings } = await run(events, { max_sessions: 2 });
    assert.deepEqual(sessions(out).map((e) => [e.data.root_pid, e.data.end_reason]), [[700, 'evicted'], [701, 'evicted'], [702, 'shutdown'], [703, 'shutdown']]);
    assert.equal(settings.telemetry.droppedCount('session_evicted'), 2);
  });
});
