// Capture through to HTTP on the real kernel: ebpf receiver -> http processor, driven by the real
// Service, with curl posting a chat-completions-shaped JSON body over TLS to a local server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { createLogger, loadConfig, Registry, Service, validateEvent, type HttpRequest, type HttpResponse, type OispEvent } from '@oisp/core';
import { preflight } from '@oisp/receiver-ebpf';
import { builtinFactories } from '../src/components.ts';
import { makeTestCert } from '@oisp/core/testing';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;
const server = resolve(import.meta.dirname, '../../receiver-ebpf/test/tls-server.mjs');

describe('ebpf -> http through the Service', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-capture-http-'));
  const { cert, key } = makeTestCert(dir);
  const out = join(dir, 'events.jsonl');
  let child: ReturnType<typeof spawn>;
  let port = 0;
  let service: Service;

  before(async () => {
    assert.deepEqual(problems, []);
    const yaml = `receivers: { ebpf: {} }
processors: { http: {} }
exporters: { file: { path: ${JSON.stringify(out)}, include_internal: true } }
service:
  pipelines: { p: { receivers: [ebpf], processors: [http], exporters: [file] } }
`;
    const registry = new Registry(builtinFactories());
    const { config } = await loadConfig({ files: [], defaultConfig: { yaml, dir }, registry });
    service = new Service({ config, factories: registry, logger: createLogger({ level: 'warn' }), buildInfo: { command: 'test', version: '0' }, configDir: dir });
    await service.start();
    child = spawn(process.execPath, [server, cert, key, join(dir, 'received.bin'), '64'], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = Number((await once(createInterface({ input: child.stdout! }), 'line'))[0]);
  });

  after(async () => {
    child?.kill();
    await service?.shutdown();
  });

  it('curl POST over TLS becomes one http.request and one http.response with the exact body', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] });
    const curl = spawn('curl', ['-sS', '--http1.1', '--cacert', cert, '-H', 'content-type: application/json', '--data-binary', body, '-o', '/dev/null',
      `https://localhost:${port}/v1/chat/completions`]);
    assert.equal((await once(curl, 'exit'))[0], 0);
    await new Promise((r) => setTimeout(r, 500));
    await service.shutdown();
    const events = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as OispEvent);
    const mine = events.filter((e) => e.process?.pid === curl.pid);
    const req = mine.find((e) => e.event_type === 'http.request') as OispEvent<'http.request', HttpRequest>;
    const res = mine.find((e) => e.event_type === 'http.response') as OispEvent<'http.response', HttpResponse>;
    assert.ok(req && res, `an exchange from curl (pid ${curl.pid}); got ${mine.map((e) => e.event_type).join(', ')}`);
    assert.equal(req.data.method, 'POST');
    assert.equal(req.data.url, '/v1/chat/completions');
    assert.equal(req.data.host, `localhost:${port}`);
    assert.equal(req.data.body?.text, body);
    assert.equal(res.data.status, 200);
    assert.equal(res.data.exchange_id, req.data.exchange_id);
    assert.equal(res.data.body?.decoded_bytes, 64);
    for (const e of [req, res]) assert.deepEqual(validateEvent(e).errors, []);
  });
});
