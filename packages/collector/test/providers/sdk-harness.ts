// Running an official SDK against the local mock at the SDK's default host: a loopback address of
// this run's own serves port 443 with a certificate for every provider host, and each client runs
// in its own mount namespace whose /etc/hosts maps those hosts to it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTestCert } from '@oisp/core/testing';
import { startMockProvider, type MockProvider } from '../../src/demo/mock-provider.ts';

export const PROVIDER_HOSTS = [
  'api.openai.com', 'myco.openai.azure.com', 'api.anthropic.com', 'generativelanguage.googleapis.com',
  'api.mistral.ai', 'api.groq.com', 'api.cohere.com', 'bedrock-runtime.us-east-1.amazonaws.com',
];

const client = resolve(import.meta.dirname, 'sdk-client.mjs');

/** A distinctive fake API key every SDK sends: tests search all output for it. */
export const TEST_KEY = `sk-proj-OISPLIVEFAKE${'0123456789abcdef'.repeat(3)}`;

export interface SdkHarness {
  mock: MockProvider;
  /** Runs one scenario of sdk-client.mjs (by node, or by another JavaScript runtime such as bun);
   * resolves with its pid and what it printed. */
  run(scenario: string, runtime?: string): Promise<{ pid: number; sent: Record<string, any>; result: Record<string, any> }>;
  /** Runs a node script (absolute, or in this folder) the same way; resolves with its pid and its JSON output. */
  runScript(script: string, args: string[]): Promise<{ pid: number; output: Record<string, any> }>;
  close(): Promise<void>;
}

export async function startSdkHarness(dir: string): Promise<SdkHarness> {
  const ip = `127.${10 + (process.pid % 200)}.${(process.pid >> 8) % 250}.${1 + (Date.now() % 250)}`;
  const { cert, key } = makeTestCert(dir, PROVIDER_HOSTS);
  const hosts = join(dir, 'hosts');
  writeFileSync(hosts, `127.0.0.1 localhost\n${ip} ${PROVIDER_HOSTS.join(' ')}\n`);
  const mock = await startMockProvider({ cert, key, ip });
  async function runNode(script: string, args: string[], runtime = process.execPath): Promise<{ pid: number; output: Record<string, any> }> {
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hosts, runtime, script, ...args], {
      // gRPC clients (@grpc/grpc-js) read their roots from GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, not node's store.
      env: { ...process.env, NODE_EXTRA_CA_CERTS: cert, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: cert, OISP_TEST_KEY: TEST_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, `${script} ${args.join(' ')} failed: ${stderr}`);
    return { pid: child.pid!, output: JSON.parse(stdout) };
  }
  return {
    mock,
    async run(scenario, runtime) {
      const { pid, output } = await runNode(client, [scenario], runtime);
      return { pid, sent: output.sent, result: output.result };
    },
    runScript: (script, args) => runNode(resolve(import.meta.dirname, script), args),
    close: () => mock.close(),
  };
}
