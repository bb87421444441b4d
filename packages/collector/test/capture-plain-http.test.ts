// Local model servers speak plain HTTP: their bytes come from socket syscalls for the configured
// ports (Ollama :11434, vLLM-style :8000). Live: the `ollama` npm client (stream and not), the
// openai SDK pointed at http://127.0.0.1:8000/v1, python's http.client and curl against local
// mocks — exact ai.request / ai.response events, the client as the oracle, each exchange once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Service, validateEvent, type AiRequest, type AiResponse, type OispEvent } from '@oisp/core';
import { callbackExporter } from '@oisp/core/testing';
import { preflight } from '@oisp/receiver-ebpf';
import { startPipeline } from '../src/start-pipeline.ts';
import { respond } from '../src/demo/responders.ts';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;
const plainClient = resolve(import.meta.dirname, 'providers/plain-client.mjs');

type Obj = Record<string, any>;

async function mockServer(port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString();
      const url = new URL(req.url ?? '/', 'http://local');
      const reply = respond({ host: 'local', path: url.pathname, query: url.searchParams, method: req.method ?? 'GET', headers: req.headers, body: text ? JSON.parse(text) : undefined });
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      for (const c of reply.chunks ?? []) {
        res.write(c);
        await new Promise((r) => setTimeout(r, 2));
      }
      res.end(reply.body ?? '');
    })();
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('live: plain HTTP to local model servers', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-plain-'));
  const captured: OispEvent[] = [];
  let service: Service;
  const servers: http.Server[] = [];

  before(async () => {
    assert.deepEqual(problems, []);
    // The servers run in this process (excluded from capture): only the clients' side is seen.
    servers.push(await mockServer(11434), await mockServer(8000));
    const yaml = `receivers: { ebpf: {} }
processors: { http: {}, providers: {} }
exporters: { memory: {} }
service: { pipelines: { p: { receivers: [ebpf], processors: [http, providers], exporters: [memory] } } }
`;
    service = await startPipeline({ yaml, dir, extra: [callbackExporter('memory', (b) => captured.push(...b))] });
  });

  after(async () => {
    await service?.shutdown();
    for (const s of servers) s.close();
  });

  async function client(cmd: string, args: string[]): Promise<{ pid: number; stdout: string }> {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
    return { pid: child.pid!, stdout };
  }

  async function callOf(pid: number) {
    const mine = () => captured.filter((e) => e.process?.pid === pid);
    for (let i = 0; i < 100 && !mine().some((e) => e.event_type === 'ai.response'); i++) await new Promise((r) => setTimeout(r, 100));
    const events = mine().filter((e) => e.event_type.startsWith('ai.'));
    for (const e of events) assert.deepEqual(validateEvent(e).errors, [], e.event_type);
    const req = events.filter((e) => e.event_type === 'ai.request') as OispEvent<'ai.request', AiRequest>[];
    const res = events.filter((e) => e.event_type === 'ai.response') as OispEvent<'ai.response', AiResponse>[];
    assert.equal(req.length, 1, 'each exchange once');
    assert.equal(res.length, 1, 'each exchange once');
    assert.equal(req[0].data.provider.endpoint !== undefined, true);
    return { req: req[0], res: res[0] };
  }

  for (const scenario of ['ollama-chat', 'ollama-chat-stream']) {
    it(`the ollama npm client (${scenario.endsWith('stream') ? 'NDJSON stream' : 'no stream'}) to :11434`, async () => {
      const { pid, stdout } = await client(process.execPath, [plainClient, scenario, 'http://127.0.0.1:11434']);
      const { sent, result } = JSON.parse(stdout) as { sent: Obj; result: Obj };
      const { req, res } = await callOf(pid);
      assert.equal(req.data.provider.name, 'ollama');
      assert.equal(req.data.api, 'ollama');
      assert.equal(req.data.model?.id, sent.model);
      assert.equal(req.data.streaming, sent.stream);
      assert.deepEqual(req.data.messages?.map((m) => ({ role: m.role, content: m.content })), sent.messages);
      assert.equal(res.data.model?.id, result.model);
      assert.equal(res.data.choices?.[0].message.content, result.content);
      assert.equal(res.data.provider_finish_reason, result.done_reason);
      assert.deepEqual([res.data.usage?.prompt_tokens, res.data.usage?.completion_tokens], [result.prompt_eval_count, result.eval_count]);
    });
  }

  it('the openai SDK at http://127.0.0.1:8000/v1 (an OpenAI-compatible server, found by API shape)', async () => {
    const { pid, stdout } = await client(process.execPath, [plainClient, 'openai-local', 'http://127.0.0.1:8000']);
    const { sent, result } = JSON.parse(stdout) as { sent: Obj; result: Obj };
    const { req, res } = await callOf(pid);
    assert.deepEqual([req.data.provider.name, req.data.provider.detected_by], ['openai_compatible', 'api_shape']);
    assert.equal(req.data.model?.id, sent.model);
    assert.equal(res.data.provider_request_id, result.id);
    assert.equal(res.data.choices?.[0].message.content, result.choices[0].message.content);
    assert.equal(res.data.usage?.total_tokens, result.usage.total_tokens);
  });

  it('curl to :8000 and python http.client to :11434', async () => {
    const body = JSON.stringify({ model: 'qwen2.5', messages: [{ role: 'user', content: 'hi from curl' }] });
    const curl = await client('curl', ['-sS', '-H', 'content-type: application/json', '--data-binary', body, 'http://127.0.0.1:8000/v1/chat/completions']);
    const c = await callOf(curl.pid);
    assert.equal(c.req.data.model?.id, 'qwen2.5');
    assert.equal(c.res.data.provider_request_id, JSON.parse(curl.stdout).id);
    const py = await client('/usr/bin/python3', ['-c', `import http.client, json
c = http.client.HTTPConnection('127.0.0.1', 11434)
c.request('POST', '/api/chat', json.dumps({'model': 'llama3.2', 'stream': False, 'messages': [{'role': 'user', 'content': 'hi from python'}]}), {'Content-Type': 'application/json'})
print(c.getresponse().read().decode())`]);
    const p = await callOf(py.pid);
    assert.equal(p.req.data.provider.name, 'ollama');
    assert.equal(p.res.data.choices?.[0].message.content, JSON.parse(py.stdout).message.content);
  });
});
