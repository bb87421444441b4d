// The receiver's settings that decide what is captured, on the real kernel: the `processes` filter
// (applied in the kernel) and programs hooked at their exec with the rescan turned off.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CaptureData, OispEvent } from '@oisp/core';
import { createTestSettings, makeTestCert, SinkConsumer, testHost } from '@oisp/core/testing';
import type { EbpfReceiverConfig } from '../src/config.ts';
import { preflight } from '../src/ebpf-receiver.ts';
import { ebpfReceiverFactory } from '../src/factory.ts';
import { startTlsServer } from './start-tls-server.ts';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

describe('ebpf receiver: what is captured, by config', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-capture-config-'));
  const { cert, key } = makeTestCert(dir);
  const body = Buffer.alloc(64 * 1024, 'b');
  const bodyFile = join(dir, 'body.bin');
  let server: ReturnType<typeof spawn>;
  let url = '';

  before(async () => {
    assert.deepEqual(problems, [], 'this machine must be able to capture');
    writeFileSync(bodyFile, body);
    let port: number;
    ({ server, port } = await startTlsServer(cert, key, join(dir, 'received.bin'), 1000));
    url = `https://localhost:${port}/v1/config`;
  });

  after(() => server?.kill());

  async function withReceiver(config: Partial<EbpfReceiverConfig>, run: () => Promise<void>) {
    const sink = new SinkConsumer();
    const settings = createTestSettings('ebpf', 'receiver');
    const receiver = ebpfReceiverFactory.create(settings, { ...ebpfReceiverFactory.createDefaultConfig(), ...config }, sink);
    await receiver.start(testHost());
    try {
      await run();
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await receiver.shutdown();
    }
    return { sink, settings };
  }

  async function client(command: string, args: string[]): Promise<number> {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SSL_CERT_FILE: cert, NODE_EXTRA_CA_CERTS: cert } });
    assert.equal((await once(child, 'exit'))[0], 0, `${command} completed its call`);
    return child.pid!;
  }

  /** What the process sent, from its capture.data chunks in offset order. */
  function sent(sink: SinkConsumer, pid: number): Buffer {
    const chunks = (sink.events as OispEvent<'capture.data', CaptureData>[])
      .filter((e) => e.event_type === 'capture.data' && e.data.conn.pid === pid && e.data.direction === 'egress')
      .sort((a, b) => a.data.offset - b.data.offset);
    return Buffer.concat(chunks.map((c) => c.data.data));
  }

  it('processes: a command list keeps only those commands, and an excluded command is never captured', async () => {
    const pids: Record<string, number> = {};
    const { sink } = await withReceiver({ processes: { pids: [], uids: [], comms: ['curl', 'node'], exclude_comms: ['node'] } }, async () => {
      pids.curl = await client('curl', ['-sS', '--http1.1', '--cacert', cert, '--data-binary', `@${bodyFile}`, '-o', '/dev/null', url]);
      pids.python3 = await client('python3', ['-c', `import urllib.request; urllib.request.urlopen(urllib.request.Request('${url}', data=b'x' * 10, method='POST')).read()`]);
      pids.node = await client(process.execPath, ['-e', `fetch('${url}', { method: 'POST', body: 'y' }).then((r) => r.arrayBuffer())`]);
    });
    assert.ok(sent(sink, pids.curl).subarray(-body.length).equals(body), 'curl is in the list: captured');
    assert.equal(sent(sink, pids.python3).length, 0, 'python3 is not in the list');
    assert.equal(sent(sink, pids.node).length, 0, 'node is listed and excluded: the exclusion wins');
    assert.equal(sink.events.filter((e) => e.event_type.startsWith('capture.') && [pids.python3, pids.node].includes((e.data as CaptureData).conn.pid)).length, 0, 'nothing of theirs at all');
  });

  it('processes: a uid list keeps only processes running as those users', async () => {
    chmodSync(dir, 0o755);
    chmodSync(cert, 0o644);
    chmodSync(bodyFile, 0o644);
    const curl = ['curl', '-sS', '--http1.1', '--cacert', cert, '--data-binary', `@${bodyFile}`, '-o', '/dev/null', url];
    const pids = { root: 0, user: 0 };
    const { sink } = await withReceiver({ processes: { pids: [], uids: [4242], comms: [], exclude_comms: [] } }, async () => {
      pids.root = await client(curl[0], curl.slice(1));
      // setpriv execs curl in place: the pid is curl's.
      pids.user = await client('setpriv', ['--reuid=4242', '--regid=4242', '--clear-groups', ...curl]);
    });
    assert.ok(sent(sink, pids.user).subarray(-body.length).equals(body), 'curl as uid 4242: captured');
    assert.equal(sent(sink, pids.root).length, 0, 'curl as root: not');
  });

  it('processes: a pid list keeps only those processes', async () => {
    // Started first and held on stdin, so its pid can go into the config; then it execs curl in place.
    const curl = `exec curl -sS --http1.1 --cacert ${cert} --data-binary @${bodyFile} -o /dev/null ${url}`;
    const held = spawn('sh', ['-c', `read go; ${curl}`], { stdio: ['pipe', 'ignore', 'inherit'] });
    let other = 0;
    const { sink } = await withReceiver({ processes: { pids: [held.pid!], uids: [], comms: [], exclude_comms: [] } }, async () => {
      held.stdin!.end('go\n');
      assert.equal((await once(held, 'exit'))[0], 0);
      other = await client('sh', ['-c', curl]);
    });
    assert.ok(sent(sink, held.pid!).subarray(-body.length).equals(body), 'the listed pid: captured');
    assert.equal(sent(sink, other).length, 0, 'another pid: not');
  });

  it('a program started after the receiver is hooked at its exec, the rescan turned off: its first request is whole', async () => {
    const copy = join(dir, 'fresh-node');
    copyFileSync(process.execPath, copy);
    chmodSync(copy, 0o755);
    // 300 ms in: node's startup plus a margin for the attach, which happens on the exec record.
    const script = `setTimeout(() => fetch(process.argv[1], { method: 'POST', body: require('node:fs').readFileSync(process.argv[2]) }).then((r) => r.arrayBuffer()), 300)`;
    let pid = 0;
    const { sink, settings } = await withReceiver({ rescan_interval_ms: 0 }, async () => {
      pid = await client(copy, ['-e', script, url, bodyFile]);
    });
    assert.equal(settings.telemetry.counter('hooked_files', { reason: 'exec' }), 1, 'hooked once, at exec');
    const stream = sent(sink, pid);
    assert.match(stream.subarray(0, 30).toString(), /^POST \/v1\/config HTTP\/1\.1\r\n/, 'the first request from its first byte');
    assert.ok(stream.subarray(-body.length).equals(body), 'and its whole body');
  });
});
