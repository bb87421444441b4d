// Events in, spans out, checked span by span as a real OTLP receiver decodes them with the
// reference decoder: names, kinds, parents, times (ns), attributes, resources, content.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEvent, formatTimestamp, type OispEvent } from '@oisp/core';
import { createTestSettings, runConformance } from '@oisp/core/testing';
import { attributes } from '@oisp/otlp-reference';
import { OtlpReceiver, type ReceivedSpan } from '../test/otlp-receiver.ts';
import { createDefaultConfig, type OtlpExporterConfig } from './config.ts';
import factory from './index.ts';
import { OtlpExporter } from './otlp-exporter.ts';

const T0 = 1_764_000_000_000_000_000n;
const at = (ms: number, extraNs = 0n) => formatTimestamp(T0 + BigInt(ms) * 1_000_000n + extraNs);
const nsAt = (ms: number, extraNs = 0n) => String(T0 + BigInt(ms) * 1_000_000n + extraNs);
const proc = { pid: 4242, ppid: 1, exe: '/usr/bin/python3.12', name: 'python3', cmdline: 'python3 agent.py', start_time: '123456' };
const host = { hostname: 'devbox', arch: 'x86_64' };
const T = 'a1'.repeat(16);
const [S, M1, X, M2] = ['5e55105e55105e55', '0000000000000m01'.replace('m', 'a'), '7001700170017001', '000000000000a002'];

function ev<T extends string>(type: T, ms: number, data: unknown, tc?: { span_id: string; parent_span_id?: string; link?: 'observed' | 'inferred' }, p = proc, extraNs = 0n): OispEvent {
  return createEvent(type, data, { ts: at(ms, extraNs), process: p, host, ...(tc ? { trace_context: { trace_id: T, ...tc } } : {}) });
}

const provider = { name: 'openai', endpoint: 'api.openai.com' };
const messages = [
  { role: 'system', content: 'You are terse.', content_hash: 'sha256:1' },
  { role: 'user', content: 'List /tmp', content_hash: 'sha256:2' },
];

/** One agent run as processor-agent would leave it, and a call made with no agent processor. */
function agentRun(): OispEvent[] {
  return [
    ev('ai.request', 0, { request_id: 'r1', provider, model: { id: 'gpt-4o-mini' }, request_type: 'chat', streaming: true, messages, tools: [{ name: 'shell', type: 'function', description: 'Run a command' }], parameters: { temperature: 0.2, max_tokens: 100, stop: 'END' } }, { span_id: M1, parent_span_id: S, link: 'observed' }, proc, 123n),
    ev('ai.response', 5, {
      request_id: 'r1', provider, model: { id: 'gpt-4o-mini-2024-07-18' }, provider_request_id: 'chatcmpl-1', status_code: 200, success: true,
      choices: [{ index: 0, message: { role: 'assistant', tool_calls: [{ id: 'call_1', name: 'shell', type: 'function', arguments: '{"cmd":"ls /tmp"}' }] }, finish_reason: 'tool_calls' }],
      tool_calls: [{ id: 'call_1', name: 'shell', type: 'function', arguments: '{"cmd":"ls /tmp"}' }],
      usage: { prompt_tokens: 120, completion_tokens: 20, total_tokens: 140, cached_tokens: 64, reasoning_tokens: 4 },
      cost: { input_usd: 0.0001, output_usd: 0.0002, total_usd: 0.0003, source: 'test' },
      finish_reason: 'tool_calls', latency_ms: 812.5, time_to_first_token_ms: 250,
    }, { span_id: M1, parent_span_id: S, link: 'observed' }),
    ev('agent.tool_call', 6, { call_id: 'call_1', tool: { name: 'shell', type: 'function' }, arguments: '{"cmd":"ls /tmp"}', request_id: 'r1' }, { span_id: X, parent_span_id: S, link: 'observed' }),
    ev('process.exec', 7, { exe: '/usr/bin/ls', args: ['ls', '/tmp'], ppid: 4242, uid: 0 }, { span_id: 'e0e0e0e0e0e0e0e0', parent_span_id: X, link: 'observed' }, { pid: 4300, ppid: 4242, exe: '/usr/bin/ls', name: 'ls', cmdline: 'ls /tmp', start_time: '999' }),
    ev('file.open', 8, { path: '/tmp', fd: 3, flags: 0, result: 3 }, { span_id: 'e1e1e1e1e1e1e1e1', parent_span_id: X, link: 'observed' }, { pid: 4300, ppid: 4242, exe: '/usr/bin/ls', name: 'ls', cmdline: 'ls /tmp', start_time: '999' }),
    ev('ai.request', 900, { request_id: 'r2', provider, model: { id: 'gpt-4o-mini' }, request_type: 'chat', streaming: false, messages: [...messages, { role: 'tool', tool_call_id: 'call_1', content: 'a.txt' }] }, { span_id: M2, parent_span_id: S, link: 'observed' }),
    ev('agent.tool_result', 900, { call_id: 'call_1', tool: { name: 'shell' }, result: 'a.txt', request_id: 'r2' }, { span_id: X, parent_span_id: S, link: 'inferred' }),
    ev('ai.response', 1200, { request_id: 'r2', provider, status_code: 429, success: false, error: { type: 'rate_limit_exceeded', message: 'slow down' }, finish_reason: 'error', latency_ms: 300 }, { span_id: M2, parent_span_id: S, link: 'observed' }),
    // Outside the tool's window, under the session: waits for the invoke_agent span.
    ev('file.open', 1250, { path: '/home/dev/.agent/history', fd: 5, flags: 1, result: 5 }, { span_id: 'e2e2e2e2e2e2e2e2', parent_span_id: S, link: 'observed' }),
    ev('agent.session', 0, { agent: { name: 'python3 agent.py', framework: 'openai-agents' }, root_pid: 4242, conversation_id: 'conv-7', start_ts: at(0), end_ts: at(1300), end_reason: 'exit', model_calls: 2, tool_calls: 1, processes: 2 }, { span_id: S }),
  ];
}

function plainCall(): OispEvent[] {
  return [
    ev('ai.request', 2000, { request_id: 'p1', provider: { name: 'anthropic', endpoint: 'api.anthropic.com' }, model: { id: 'claude-sonnet-4' }, request_type: 'chat', streaming: false }),
    ev('ai.response', 2100, { request_id: 'p1', provider: { name: 'anthropic' }, status_code: 200, success: true, usage: { prompt_tokens: 10, completion_tokens: 5, cached_tokens: 2, cache_creation_tokens: 3 }, finish_reason: 'stop', latency_ms: 100 }),
    ev('ai.request', 2200, { request_id: 'p2', provider, model: { id: 'text-embedding-3-small' }, request_type: 'embedding', streaming: false }),
    ev('ai.embedding', 2250, { request_id: 'p2', provider, model: { id: 'text-embedding-3-small' }, input_count: 2, dimensions: 256, latency_ms: 50, status_code: 200, success: true }),
    ev('ai.request', 2300, { request_id: 'lost', provider, model: { id: 'gpt-4o' }, request_type: 'chat', streaming: false }),
  ];
}

async function exportEvents(receiver: OtlpReceiver, events: OispEvent[], config: Partial<OtlpExporterConfig> = {}) {
  const settings = createTestSettings('otlp', 'exporter');
  const exporter = new OtlpExporter(settings, { ...createDefaultConfig(), endpoint: receiver.url, flush_interval_ms: 50, ...config });
  await exporter.start();
  await exporter.consume(events);
  await exporter.shutdown();
  return settings;
}

const byName = (spans: ReceivedSpan[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span named ${name}; got ${spans.map((s) => s.name).join(', ')}`);
  return found[0];
};

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

describe('otlp exporter: spans', () => {
  let receiver: OtlpReceiver;
  before(async () => (receiver = await new OtlpReceiver().start()));
  after(() => receiver.close());

  it('maps an agent run span by span: names, kinds, parents, ns times, GenAI attributes, resources', async () => {
    receiver.accepted.length = 0;
    const settings = await exportEvents(receiver, [...agentRun(), ...plainCall()]);
    const spans = receiver.accepted;
    assert.equal(spans.length, 7, spans.map((s) => s.name).join(', '));

    const session = byName(spans, 'invoke_agent python3 agent.py');
    assert.deepEqual([session.traceId, session.spanId, session.parentSpanId, session.kind], [T, S, undefined, SPAN_KIND_INTERNAL]);
    assert.deepEqual([session.startTimeUnixNano, session.endTimeUnixNano], [nsAt(0), nsAt(1300)]);
    assert.deepEqual(session.events?.map((e) => [e.name, e.timeUnixNano, attributes(e.attributes)['oisp.path']]), [['file.open', nsAt(1250), '/home/dev/.agent/history']], 'an event under the session waited for its span');
    assert.deepEqual(attributes(session.attributes), {
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'python3 agent.py', 'oisp.agent.framework': 'openai-agents', 'gen_ai.conversation.id': 'conv-7',
      'oisp.session.end_reason': 'exit', 'oisp.session.model_calls': 2, 'oisp.session.tool_calls': 1, 'oisp.session.processes': 2,
    });

    const chat1 = spans.find((s) => s.spanId === M1)!;
    assert.equal(chat1.name, 'chat gpt-4o-mini');
    assert.deepEqual([chat1.traceId, chat1.parentSpanId, chat1.kind], [T, S, SPAN_KIND_CLIENT]);
    // From the request's first byte (ns precision kept) to the response's last byte (latency 812.5 ms later).
    assert.deepEqual([chat1.startTimeUnixNano, chat1.endTimeUnixNano], [nsAt(0, 123n), nsAt(812, 500_123n)]);
    assert.deepEqual(attributes(chat1.attributes), {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'oisp.request_id': 'r1', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0.2, 'gen_ai.request.max_tokens': 100, 'gen_ai.request.stop_sequences': ['END'], 'gen_ai.request.stream': true,
      'server.address': 'api.openai.com', 'server.port': 443,
      'gen_ai.response.id': 'chatcmpl-1', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 20, 'gen_ai.usage.cache_read.input_tokens': 64, 'gen_ai.usage.reasoning.output_tokens': 4,
      'gen_ai.usage.cost': 0.0003, 'gen_ai.response.time_to_first_chunk': 0.25,
    });
    assert.deepEqual(chat1.resource, {
      'service.name': 'python3.12', 'telemetry.distro.name': 'oisp-collector', 'telemetry.distro.version': '0.0.0-test', 'process.pid': 4242, 'process.parent_pid': 1,
      'process.executable.name': 'python3.12', 'process.executable.path': '/usr/bin/python3.12', 'process.command_line': 'python3 agent.py', 'host.name': 'devbox', 'host.arch': 'x86_64',
    });

    const tool = byName(spans, 'execute_tool shell');
    assert.deepEqual([tool.traceId, tool.spanId, tool.parentSpanId, tool.kind], [T, X, S, SPAN_KIND_INTERNAL]);
    assert.deepEqual([tool.startTimeUnixNano, tool.endTimeUnixNano], [nsAt(6), nsAt(900)]);
    assert.deepEqual(attributes(tool.attributes), { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'shell', 'gen_ai.tool.call.id': 'call_1', 'gen_ai.tool.type': 'function', 'oisp.link': 'observed', 'oisp.result_link': 'inferred' });
    // What the tool did on the machine: span events on the tool span.
    assert.deepEqual(tool.events?.map((e) => [e.name, e.timeUnixNano, attributes(e.attributes)['oisp.path'] ?? attributes(e.attributes)['oisp.exe'], attributes(e.attributes)['process.pid']]), [
      ['process.exec', nsAt(7), '/usr/bin/ls', 4300],
      ['file.open', nsAt(8), '/tmp', 4300],
    ]);

    const chat2 = spans.find((s) => s.spanId === M2)!;
    assert.deepEqual([chat2.parentSpanId, chat2.status?.code, chat2.status?.message], [S, STATUS_ERROR, 'slow down']);
    assert.equal(attributes(chat2.attributes)['error.type'], 'rate_limit_exceeded');
    assert.deepEqual([chat2.startTimeUnixNano, chat2.endTimeUnixNano], [nsAt(900), nsAt(1200)]);

    // Without processor-agent: ids derived from the request's event id, no parent; Anthropic cache tokens as the conventions say.
    const plain = byName(spans, 'chat claude-sonnet-4');
    assert.equal(plain.parentSpanId, undefined);
    assert.match(plain.traceId, /^[0-9a-f]{32}$/);
    const pa = attributes(plain.attributes);
    assert.deepEqual([pa['gen_ai.usage.input_tokens'], pa['gen_ai.usage.cache_read.input_tokens'], pa['gen_ai.usage.cache_creation.input_tokens'], pa['server.address']], [10, 2, 3, 'api.anthropic.com']);
    const emb = byName(spans, 'embeddings text-embedding-3-small');
    assert.deepEqual([attributes(emb.attributes)['gen_ai.embeddings.dimension.count'], emb.kind], [256, SPAN_KIND_CLIENT]);
    const lost = byName(spans, 'chat gpt-4o');
    assert.deepEqual([lost.status?.code, attributes(lost.attributes)['oisp.unfinished'], attributes(lost.attributes)['error.type']], [STATUS_ERROR, true, 'oisp.no_response']);
    assert.equal(settings.telemetry.counter('requests_without_response'), 1);
    assert.equal(settings.telemetry.counter('spans_exported'), 7);
    // No content unless asked for.
    for (const s of spans) for (const k of Object.keys(attributes(s.attributes))) assert.ok(!/^gen_ai\.(input\.messages|output\.messages|system_instructions|tool\.definitions|tool\.call\.arguments|tool\.call\.result)$/.test(k), `${s.name}: ${k}`);
  });

  it('a request whose response never comes is sent as an unfinished ERROR span after request_ttl_ms, even with no event after it', async () => {
    receiver.accepted.length = 0;
    const settings = createTestSettings('otlp', 'exporter');
    const exporter = new OtlpExporter(settings, { ...createDefaultConfig(), endpoint: receiver.url, flush_interval_ms: 50, request_ttl_ms: 300 });
    await exporter.start();
    await exporter.consume(plainCall().slice(4)); // the lone request, nothing after it
    for (let i = 0; i < 40 && receiver.accepted.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const [span] = receiver.accepted;
    assert.ok(span, 'sent before shutdown');
    assert.deepEqual([span.name, span.status?.code, attributes(span.attributes)['oisp.unfinished']], ['chat gpt-4o', STATUS_ERROR, true]);
    await exporter.shutdown();
  });

  it('ids are the same on every export of the same events (derived deterministically)', async () => {
    receiver.accepted.length = 0;
    const events = plainCall();
    await exportEvents(receiver, events);
    const first = receiver.accepted.map((s) => [s.traceId, s.spanId]);
    receiver.accepted.length = 0;
    await exportEvents(receiver, events);
    assert.deepEqual(receiver.accepted.map((s) => [s.traceId, s.spanId]), first);
  });

  it('content only with include_content, in the conventions\' JSON, capped at max_content_bytes and still valid JSON', async () => {
    receiver.accepted.length = 0;
    const big = 'x'.repeat(20_000);
    const events = agentRun();
    (events[0].data as { messages: unknown[] }).messages.push({ role: 'user', content: big });
    await exportEvents(receiver, events, { include_content: true, max_content_bytes: 4096 });
    const chat1 = attributes(receiver.accepted.find((s) => s.spanId === M1)!.attributes);
    assert.deepEqual(JSON.parse(chat1['gen_ai.system_instructions'] as string), [{ type: 'text', content: 'You are terse.' }]);
    const input = chat1['gen_ai.input.messages'] as string;
    assert.ok(Buffer.byteLength(input) <= 4096, `${Buffer.byteLength(input)} bytes`);
    const parsed = JSON.parse(input);
    assert.deepEqual(parsed[0], { role: 'user', parts: [{ type: 'text', content: 'List /tmp' }] });
    assert.match(parsed[1].parts[0].content, /^x+…\[\d+ chars truncated\]$/);
    assert.deepEqual(JSON.parse(chat1['gen_ai.output.messages'] as string), [{ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'shell', arguments: '{"cmd":"ls /tmp"}' }], finish_reason: 'tool_calls' }]);
    assert.deepEqual(JSON.parse(chat1['gen_ai.tool.definitions'] as string), [{ type: 'function', name: 'shell', description: 'Run a command' }]);
    const tool = attributes(receiver.accepted.find((s) => s.spanId === X)!.attributes);
    assert.deepEqual([tool['gen_ai.tool.call.arguments'], tool['gen_ai.tool.call.result']], ['{"cmd":"ls /tmp"}', 'a.txt']);
  });

  it('semconv: legacy writes gen_ai.system and prompt/completion tokens; both writes both', async () => {
    for (const [semconv, expected] of [
      ['legacy', { 'gen_ai.system': 'anthropic', 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.completion_tokens': 5 }],
      ['both', { 'gen_ai.system': 'anthropic', 'gen_ai.provider.name': 'anthropic', 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 }],
    ] as const) {
      receiver.accepted.length = 0;
      await exportEvents(receiver, plainCall().slice(0, 2), { semconv });
      const a = attributes(receiver.accepted[0].attributes);
      for (const [k, v] of Object.entries(expected)) assert.equal(a[k], v, `${semconv}: ${k}`);
      if (semconv === 'legacy') assert.equal(a['gen_ai.provider.name'], undefined);
    }
  });

  it('sends gzip with the configured and OTEL_EXPORTER_OTLP_HEADERS headers', async () => {
    receiver.headers.length = 0;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-env-key=env%20value';
    try {
      await exportEvents(receiver, plainCall().slice(0, 2), { headers: { 'X-Team': 'ai' } });
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    }
    const h = receiver.headers[0];
    assert.deepEqual([h['content-encoding'], h['content-type'], h['x-team'], h['x-env-key']], ['gzip', 'application/x-protobuf', 'ai', 'env value']);
  });
});

describe('otlp exporter: conformance', () => {
  let receiver: OtlpReceiver;
  before(async () => (receiver = await new OtlpReceiver().start()));
  after(() => receiver.close());
  runConformance(factory, { config: () => ({ endpoint: receiver.url }) });
});
