// Records a real capture for processor-http's fixtures: the `openai` SDK streams a chat completion
// over TLS from a local mock that writes the SSE stream the way the API does (one event per write),
// the ebpf receiver captures it, and the client's capture.* events become
// packages/processor-http/testdata/openai-sse-recorded/input.jsonl. Run as root:
//   node packages/collector/scripts/record-openai-sse.ts
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger, loadConfig, Registry, serializeEvent, Service, type CaptureData, type OispEvent } from '@oisp/core';
import { callbackExporter } from '@oisp/core/testing';
import { builtinFactories } from '../src/components.ts';
import { makeTestCert } from '@oisp/core/testing';

const dir = mkdtempSync(join(tmpdir(), 'oisp-record-'));
const { cert, key } = makeTestCert(dir);

const chunks = [
  { role: 'assistant', content: '' },
  { content: 'Hello' },
  { content: '! How' },
  { content: ' can I help you today?' },
];
const server = `const https = require('node:https'); const fs = require('node:fs');
const deltas = ${JSON.stringify(chunks)};
const s = https.createServer({ cert: fs.readFileSync(process.argv[1]), key: fs.readFileSync(process.argv[2]) }, (req, res) => {
  req.resume();
  req.on('end', async () => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'req_7f3a9c', 'openai-processing-ms': '212' });
    const base = { id: 'chatcmpl-AZz1', object: 'chat.completion.chunk', created: 1764021911, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_0ba0d124f1' };
    for (const delta of deltas) {
      res.write('data: ' + JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] }) + '\\n\\n');
      await new Promise((r) => setTimeout(r, 20));
    }
    res.write('data: ' + JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }) + '\\n\\n');
    res.write('data: ' + JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 } }) + '\\n\\n');
    res.end('data: [DONE]\\n\\n');
  });
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
const client = `const OpenAI = require('openai').default ?? require('openai');
(async () => {
  const client = new OpenAI({ apiKey: 'sk-test-recording', baseURL: process.argv[1] + '/v1', maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], stream: true, stream_options: { include_usage: true } });
  let text = ''; for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  console.log(text);
})();`;

const captured: OispEvent[] = [];
const registry = new Registry(builtinFactories());
registry.add(callbackExporter('memory', (batch) => void captured.push(...batch)));
const yaml = 'receivers: { ebpf: {} }\nexporters: { memory: {} }\nservice: { pipelines: { p: { receivers: [ebpf], exporters: [memory] } } }\n';
const { config } = await loadConfig({ files: [], defaultConfig: { yaml, dir }, registry });
const service = new Service({ config, factories: registry, logger: createLogger({ level: 'warn' }), buildInfo: { command: 'oisp-collector', version: '0.1.0' }, configDir: dir });
await service.start();
const srv = spawn(process.execPath, ['-e', server, cert, key], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = Number((await once(createInterface({ input: srv.stdout! }), 'line'))[0]);
const c = spawn(process.execPath, ['-e', client, `https://localhost:${port}`], {
  cwd: resolve(import.meta.dirname, '../../receiver-ebpf'),
  env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [text] = await once(createInterface({ input: c.stdout! }), 'line');
await once(c, 'exit');
await new Promise((r) => setTimeout(r, 500));
await service.shutdown();
srv.kill();
if (text !== 'Hello! How can I help you today?') throw new Error(`the client read ${JSON.stringify(text)}`);
const mine = captured.filter((e) => (e.data as CaptureData).conn?.pid === c.pid);
const out = resolve(import.meta.dirname, '../../processor-http/testdata/openai-sse-recorded');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'input.jsonl'), mine.map((e) => serializeEvent(e)).join('\n') + '\n');
console.log(`recorded ${mine.length} capture events of pid ${c.pid} to ${out}/input.jsonl; the client read: ${text}`);
