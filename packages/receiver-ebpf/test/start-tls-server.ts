// tls-server.mjs as a child process (the test's own process is the collector, excluded from
// capture): started, and its port read from its first line.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Answers every POST with `responseBytes` bytes (or `?size=N`), appending what it got to `received`. */
export async function startTlsServer(cert: string, key: string, received: string, responseBytes: number): Promise<{ server: ChildProcess; port: number }> {
  const server = spawn(process.execPath, [join(import.meta.dirname, 'tls-server.mjs'), cert, key, received, String(responseBytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: server.stdout! }), 'line');
  return { server, port: Number(line) };
}
