// One realistic, schema-valid example of every event type of DESIGN.md. Used by the schema tests,
// by the conformance test (events a component does not own must pass through it unchanged), and
// by plugin authors' tests. Each call returns fresh objects.
import { EVENT_TYPES, type KnownEventType, type OispEvent } from '../event.ts';

const conn = {
  id: 'c-4242-1732486000000000000-0x7f3a2c001200-0',
  transport: 'tls' as const,
  generation: 0,
  role: 'client' as const,
  pid: 4242,
  tid: 4243,
  fd: 17,
  ssl_ptr: '139887402373632',
  lib: 'libssl.so.3',
  sni: 'api.openai.com',
  local: { ip: '10.0.0.5', port: 51522 },
  remote: { ip: '162.159.140.245', port: 443 },
};

function envelope(eventType: string, n: number): Omit<OispEvent, 'data'> {
  return {
    oisp_version: '0.1',
    event_id: `01JDQ6Z8Y3K4M5N6P7Q8R9${String(n % 10000).padStart(4, '0')}`,
    event_type: eventType,
    ts: `2026-11-24T22:05:11.${String(123456789 + n).padStart(9, '0')}Z`,
    ts_mono: String(84_000_000_000_000n + BigInt(n)),
    host: { hostname: 'devbox', os: 'linux', os_version: 'Debian 12', arch: 'x86_64', kernel: '6.1.0-27-amd64', machine_id: '5f3c9a' },
    actor: { uid: 1000, user: 'dev' },
    process: {
      pid: 4242,
      ppid: 4100,
      tid: 4243,
      exe: '/usr/bin/python3.11',
      name: 'python3',
      cmdline: 'python3 agent.py',
      cwd: '/home/dev/agent',
      start_time: '83999000000000',
      container_id: '',
      service_name: 'my-agent',
    },
    source: { collector: 'oisp-collector', collector_version: '0.1.0', capture_method: 'ebpf_uprobe', capture_point: 'SSL_write' },
    confidence: { level: 'high', completeness: 'full', reasons: [] },
    trace_context: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', parent_span_id: 'a3ce929d0e0e4736', link: 'observed' },
    related_events: [{ event_id: '01JDQ6Z8Y3K4M5N6P7Q8R9S000', relationship: 'derived_from' }],
    attrs: { 'example.tag': 'yes' },
  };
}

function dataOf(type: KnownEventType): unknown {
  switch (type) {
    case 'capture.data':
      return { conn, direction: 'egress', offset: 0, data: new TextEncoder().encode('POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n\r\n'), bytes_lost: 0 };
    case 'capture.close':
      return { conn, egress_bytes: 812, ingress_bytes: 2048, reason: 'close' };
    case 'http.request':
      return {
        exchange_id: `${conn.id}:0`,
        conn,
        http_version: '1.1',
        headers: { host: ['api.openai.com'], 'content-type': ['application/json'] },
        body: { text: '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}', wire_bytes: 79, decoded_bytes: 79 },
        first_byte_ts: '2026-11-24T22:05:11.123456789Z',
        last_byte_ts: '2026-11-24T22:05:11.123460000Z',
        aborted: false,
        bytes_lost: 0,
        method: 'POST',
        url: '/v1/chat/completions',
        host: 'api.openai.com',
      };
    case 'http.response':
      return {
        exchange_id: `${conn.id}:0`,
        conn,
        http_version: '1.1',
        headers: { 'content-type': ['text/event-stream'], 'content-encoding': ['gzip'] },
        body: { base64: 'ZGF0YTogW0RPTkVdCgo=', wire_bytes: 40, decoded_bytes: 14, encoding: 'gzip', truncated: false },
        stream: { format: 'sse', events: [{ ts: '2026-11-24T22:05:11.523456789Z', event: 'message', id: '1', data: '[DONE]' }] },
        first_byte_ts: '2026-11-24T22:05:11.423456789Z',
        last_byte_ts: '2026-11-24T22:05:11.523456789Z',
        status: 200,
        reason: 'OK',
        method: 'POST',
        url: '/v1/chat/completions',
        host: 'api.openai.com',
        trailers: {},
      };
    case 'http.websocket':
      return {
        exchange_id: `${conn.id}:1`,
        conn,
        messages: [
          { ts: '2026-11-24T22:05:12.100000000Z', event: 'text', direction: 'egress', data: '{"type":"response.create","model":"gpt-5"}' },
          { ts: '2026-11-24T22:05:12.300000000Z', event: 'text', direction: 'ingress', data: '{"type":"response.created"}' },
        ],
        end: true,
        aborted: false,
      };
    case 'ai.request':
      return {
        request_id: 'req_01JDQ6Z8Y3',
        provider: { name: 'openai', endpoint: 'https://api.openai.com/v1/chat/completions', detected_by: 'host' },
        model: { id: 'gpt-4o-mini', family: 'gpt-4o' },
        auth: { type: 'bearer', key_prefix: 'sk-proj-', key_hash: 'sha256:9f86d081' },
        request_type: 'chat',
        api: 'openai.chat',
        streaming: true,
        messages: [
          { role: 'system', content: 'You are terse.', content_hash: 'sha256:aa', content_length: 14 },
          { role: 'user', content: [{ type: 'text', text: 'List files' }, { type: 'image', mime_type: 'image/png', bytes: 2048 }], content_hash: 'sha256:bb' },
          { role: 'assistant', tool_calls: [{ id: 'call_1', name: 'ls', type: 'function', arguments: '{"path":"."}' }], content_hash: 'sha256:cc' },
          { role: 'tool', content: 'a.txt\nb.txt', tool_call_id: 'call_1', name: 'ls', content_hash: 'sha256:dd' },
        ],
        messages_count: 4,
        has_system_prompt: true,
        system_prompt_hash: 'sha256:aa',
        tools: [{ name: 'ls', type: 'function', description: 'List a folder', parameters: { type: 'object' } }],
        tools_count: 1,
        tool_choice: 'auto',
        parameters: { temperature: 0.2, top_p: 1, max_tokens: 256, stop: ['\n\n'] },
        conversation: { conversation_id: 'conv_1', turn_number: 2 },
        agent: { framework: 'langchain', name: 'file-agent' },
        http: { method: 'POST', path: '/v1/chat/completions', host: 'api.openai.com' },
      };
    case 'ai.response':
      return {
        request_id: 'req_01JDQ6Z8Y3',
        provider_request_id: 'chatcmpl-AbC123',
        provider: { name: 'openai', endpoint: 'https://api.openai.com/v1/chat/completions' },
        model: { id: 'gpt-4o-mini-2024-07-18', family: 'gpt-4o' },
        status_code: 200,
        success: true,
        choices: [{ index: 0, message: { role: 'assistant', content: 'a.txt and b.txt' }, finish_reason: 'stop' }],
        tool_calls: [{ id: 'call_2', name: 'cat', type: 'function', arguments: { path: 'a.txt' } }],
        tool_calls_count: 1,
        usage: { prompt_tokens: 120, completion_tokens: 8, total_tokens: 128, cached_tokens: 64, cache_creation_tokens: 0, reasoning_tokens: 0 },
        cost: { input_usd: 0.000018, output_usd: 0.0000048, total_usd: 0.0000228, source: 'genai-prices 2026-11-01' },
        finish_reason: 'stop',
        provider_finish_reason: 'stop',
        latency_ms: 412.5,
        time_to_first_token_ms: 180,
        thinking: { content: 'The user wants files.', tokens: 12 },
        streaming: true,
      };
    case 'ai.embedding':
      return {
        request_id: 'req_emb_1',
        provider: { name: 'openai' },
        model: { id: 'text-embedding-3-small' },
        input_count: 3,
        dimensions: 1536,
        usage: { prompt_tokens: 12, total_tokens: 12 },
        latency_ms: 55,
        status_code: 200,
        success: true,
      };
    case 'agent.tool_call':
      return { call_id: 'call_2', tool: { name: 'cat', type: 'function' }, arguments: { path: 'a.txt' }, request_id: 'req_01JDQ6Z8Y3', agent: { name: 'file-agent', framework: 'langchain' } };
    case 'agent.tool_result':
      return { call_id: 'call_2', tool: { name: 'cat' }, result: 'hello', result_hash: 'sha256:ee', result_size: 5, success: true, duration_ms: 31, request_id: 'req_01JDQ6Z8Y4' };
    case 'agent.session':
      return { agent: { name: 'python agent.py', framework: 'openai-agents' }, root_pid: 4242, conversation_id: 'conv_1', start_ts: '2026-11-24T22:05:11.000000000Z', end_ts: '2026-11-24T22:05:19.500000000Z', end_reason: 'exit', model_calls: 2, tool_calls: 1, processes: 2 };
    case 'process.exec':
      return { exe: '/usr/bin/ls', args: ['ls', '-la'], cwd: '/home/dev/agent', ppid: 4242, uid: 1000, cgroup_id: '4711', service_name: 'my-agent' };
    case 'process.exit':
      return { exit_code: 0, signal: 0, runtime_ms: 3 };
    case 'file.open':
      return { path: '/home/dev/agent/a.txt', fd: 3, flags: 0, result: 3 };
    case 'file.read':
      return { path: '/home/dev/agent/a.txt', fd: 3, bytes: 5, ops: 1 };
    case 'file.write':
      return { path: '/home/dev/agent/out.txt', fd: 4, bytes: 128, ops: 2 };
    case 'network.connect':
      return { fd: 5, family: 'inet', dest: { ip: '162.159.140.245', port: 443, domain: 'api.openai.com' }, src: { ip: '10.0.0.5', port: 51522 }, success: true, pending: false, protocol: 'tcp' };
  }
}

/** A fresh, schema-valid example event of one known type; `n` (0..99) varies its event_id and ts. */
export function exampleEvent<T extends KnownEventType>(type: T, n = 0): OispEvent<T> {
  const seq = (EVENT_TYPES as readonly string[]).indexOf(type) * 100 + n;
  return { ...envelope(type, seq), data: dataOf(type) } as OispEvent<T>;
}
