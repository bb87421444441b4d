// `oisp-collector demo`: a captured agent run in a minute, with no API key. A local mock of the
// OpenAI API answers at api.openai.com (for one process, in its own mount namespace with its own
// /etc/hosts), a small agent on the official openai SDK asks it, runs the shell tool it is told
// to and reads a file, and the collector — the default pipeline's processors, on this real kernel —
// shows it on the console and writes the JSONL.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AgentSession, OispEvent } from '@oisp/core';
import { callbackExporter, makeTestCert } from '@oisp/core/testing';
import { preflight } from '@oisp/receiver-ebpf';
import { startPipeline } from '../start-pipeline.ts';
import { startMockProvider } from './mock-provider.ts';

export async function runDemo(write: (line: string) => void): Promise<number> {
  const problems = preflight();
  if (problems.length > 0) {
    for (const p of problems) write(p);
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'oisp-demo-'));
  const folder = join(dir, 'project');
  mkdirSync(folder);
  writeFileSync(join(folder, 'notes.txt'), 'Buy milk. Call Ada about the launch.\n');
  writeFileSync(join(folder, 'todo.md'), '- ship the demo\n');
  const events = join(dir, 'events.jsonl');
  const ip = `127.${100 + (process.pid % 100)}.${(process.pid >> 8) % 250}.${1 + (Date.now() % 250)}`;
  const { cert, key } = makeTestCert(dir, ['api.openai.com']);
  const hosts = join(dir, 'hosts');
  writeFileSync(hosts, `127.0.0.1 localhost\n${ip} api.openai.com\n`);
  const mock = await startMockProvider({ cert, key, ip });

  let agentPid = 0;
  let sessionDone: () => void = () => {};
  const finished = new Promise<void>((r) => (sessionDone = r));
  const watch = callbackExporter('demo_watch', (batch) => {
    if (batch.some((e: OispEvent) => e.event_type === 'agent.session' && (e.data as AgentSession).root_pid === agentPid)) sessionDone();
  });
  const yaml = `receivers: { ebpf: {} }
processors: { http: {}, providers: {}, agent: {} }
exporters:
  console: { verbosity: tools }
  file: { path: ${JSON.stringify(events)} }
  demo_watch: {}
service: { pipelines: { demo: { receivers: [ebpf], processors: [http, providers, agent], exporters: [console, file, demo_watch] } } }
`;
  const service = await startPipeline({ yaml, dir, extra: [watch], version: 'demo' });
  write(`demo: an agent (the openai SDK, a mock of api.openai.com) lists ${folder} and reads notes.txt; the collector watches from outside:\n`);
  try {
    const agent = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hosts, process.execPath, resolve(import.meta.dirname, 'tool-agent.mjs'), 'openai', folder], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: cert, OISP_TEST_KEY: 'sk-proj-demo0000000000000000000000000000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agentPid = agent.pid ?? 0;
    let stderr = '';
    agent.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(agent, 'exit');
    if (code !== 0) {
      write(`demo: the agent failed (${code}): ${stderr}`);
      return 1;
    }
    await Promise.race([finished, new Promise((r) => setTimeout(r, 10_000))]);
  } finally {
    await service.shutdown();
    await mock.close();
  }
  write(`\nthe same run as OISP events: ${events}\n(add an OTLP backend: OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 oisp-collector)`);
  return 0;
}
