// Real capture on the real kernel: curl POSTs over TLS (system libssl) to a local HTTPS server and
// its connection's capture.data chunks, ordered by offset, must hold exactly what it sent and got.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:https';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CaptureData, OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer, testHost } from '@oisp/core/testing';
import { ebpfReceiverFactory } from '../src/factory.ts';
import { preflight, type EbpfReceiver } from '../src/ebpf-receiver.ts';
import { makeTestCert } from '@oisp/core/testing';
import { assertCapturedExactly as assertExchangeCaptured } from './captured-exactly.ts';
import { startTlsServer } from './start-tls-server.ts';

const problems = preflight();

/** Where the unified (v2) cgroup hierarchy is mounted: /sys/fs/cgroup, or .../unified on a hybrid host. */
function cgroupV2Root(): string {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l));
  assert.ok(line, 'a cgroup2 mount');
  return line.split(' ')[4];
}
// Under CI a capture test never skips: a machine that cannot capture fails the run.
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

describe('ebpf receiver: TLS capture', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-capture-'));
  const { cert, key } = makeTestCert(dir);
  const received = join(dir, 'received.bin');
  const RESPONSE = 2 * 1024 * 1024;
  let server: ReturnType<typeof spawn>;
  let port = 0;
  const sink = new SinkConsumer();
  const receiver = ebpfReceiverFactory.create(createTestSettings('ebpf', 'receiver'), ebpfReceiverFactory.createDefaultConfig(), sink);

  before(async () => {
    assert.deepEqual(problems, [], 'this machine must be able to capture');
    writeFileSync(received, '');
    await receiver.start(testHost());
    ({ server, port } = await startTlsServer(cert, key, received, RESPONSE));
  });

  after(async () => {
    server?.kill();
    await receiver.shutdown();
  });

  const body = Buffer.alloc(300 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = 97 + (i % 26);

  /** The client's connection, from its capture.data chunks alone, must be exactly what it sent and got. */
  const assertCapturedExactly = (pid: number, path: string, exe: string, sentBody: Buffer = body) =>
    assertExchangeCaptured(() => sink.events, { pid, path, exe, sentBody, response: RESPONSE, port });

  it('curl (libssl SSL_write/SSL_read): 300 KiB up, 2 MiB down, exactly once, contiguous', async () => {
    const bodyFile = join(dir, 'body.bin');
    writeFileSync(bodyFile, body);
    const curl = spawn('curl', ['-sS', '--http1.1', '--cacert', cert, '--data-binary', `@${bodyFile}`, '-H', 'content-type: application/octet-stream',
      '-o', join(dir, 'response.bin'), `https://localhost:${port}/v1/upload`], { stdio: ['ignore', 'ignore', 'inherit'] });
    const [code] = await once(curl, 'exit');
    assert.equal(code, 0);
    assert.equal(readFileSync(join(dir, 'response.bin')).length, RESPONSE);
    assert.ok(readFileSync(received).subarray(-body.length).equals(body), 'the server got the body');
    await assertCapturedExactly(curl.pid!, '/v1/upload', '/usr/bin/curl');
    const ofCurl = sink.events.filter((e) => (e.data as CaptureData).conn?.pid === curl.pid);
    assert.ok(ofCurl.every((e) => (e.data as CaptureData).conn.sni === 'localhost'), 'SNI from SSL_ctrl on every event of the connection');
    const libssl = realpathSync('/usr/lib/x86_64-linux-gnu/libssl.so.3');
    assert.ok(ofCurl.filter((e) => e.event_type === 'capture.data').every((e) => (e.data as CaptureData).conn.lib === libssl), `the hooked library, ${libssl}, on every chunk`);
    const closes = ofCurl.filter((e) => e.event_type === 'capture.close');
    assert.equal(closes.length, 1, 'SSL_free ends the connection once');
    assert.equal(closes[0].data.egress_bytes, ofCurl.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).direction === 'egress').reduce((n, e) => n + (e.data as CaptureData).data.length, 0));
    assert.ok(ofCurl.indexOf(closes[0]) === ofCurl.length - 1, 'the close comes last');
  });

  it('python urllib (libssl SSL_write_ex/SSL_read_ex): 300 KiB up, 2 MiB down, exactly once, contiguous', async () => {
    const script = `import sys, urllib.request
body = open(sys.argv[1], 'rb').read()
req = urllib.request.Request(sys.argv[2], data=body, method='POST', headers={'Content-Type': 'application/octet-stream'})
with urllib.request.urlopen(req) as res:
    assert len(res.read()) == ${RESPONSE}
`;
    const bodyFile = join(dir, 'body-py.bin');
    writeFileSync(bodyFile, body);
    const python = spawn('/usr/bin/python3', ['-c', script, bodyFile, `https://localhost:${port}/v1/python`], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, SSL_CERT_FILE: cert },
    });
    const [code] = await once(python, 'exit');
    assert.equal(code, 0);
    await assertCapturedExactly(python.pid!, '/v1/python', realpathSync('/usr/bin/python3'));
  });

  it('node https (OpenSSL linked into node): 300 KiB up, 2 MiB down, exactly once, contiguous', async () => {
    const script = `const https = require('node:https');
const fs = require('node:fs');
const body = fs.readFileSync(process.argv[1]);
const req = https.request(process.argv[2], { method: 'POST', ca: fs.readFileSync(process.argv[3]), headers: { 'content-type': 'application/octet-stream', 'content-length': body.length } }, (res) => {
  let n = 0;
  res.on('data', (c) => (n += c.length));
  res.on('end', () => process.exit(n === ${RESPONSE} ? 0 : 3));
});
req.end(body);`;
    const bodyFile = join(dir, 'body-node.bin');
    writeFileSync(bodyFile, body);
    const node = spawn(process.execPath, ['-e', script, bodyFile, `https://localhost:${port}/v1/node`, cert], { stdio: ['ignore', 'ignore', 'inherit'] });
    const [code] = await once(node, 'exit');
    assert.equal(code, 0);
    await assertCapturedExactly(node.pid!, '/v1/node', realpathSync(process.execPath));
  });

  for (const [name, code] of [
    ['requests', 'import requests\nr = requests.post(url, data=body)\nassert len(r.content) == size'],
    ['httpx', 'import httpx\nr = httpx.post(url, content=body)\nassert len(r.content) == size'],
  ]) {
    it(`python ${name} (Debian's package): 300 KiB up, 2 MiB down, exactly once, contiguous`, async () => {
      const bodyFile = join(dir, `body-${name}.bin`);
      writeFileSync(bodyFile, body);
      const script = `import sys\nbody = open(sys.argv[1], 'rb').read()\nurl = sys.argv[2]\nsize = ${RESPONSE}\n${code}\n`;
      const python = spawn('/usr/bin/python3', ['-c', script, bodyFile, `https://localhost:${port}/v1/${name}`], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, SSL_CERT_FILE: cert, REQUESTS_CA_BUNDLE: cert },
      });
      assert.equal((await once(python, 'exit'))[0], 0);
      await assertCapturedExactly(python.pid!, `/v1/${name}`, realpathSync('/usr/bin/python3'));
    });
  }

  for (const [name, call, path] of [
    ['fetch', `const res = await fetch(base + '/v1/fetch', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
  ok = (await res.arrayBuffer()).byteLength === ${RESPONSE};`, '/v1/fetch'],
    ['the openai SDK', `const OpenAI = require('openai').default ?? require('openai');
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: base + '/v1', maxRetries: 0 });
  ok = (await client.post('/sdk?json=1', { body: JSON.parse(body.toString()) })).object === 'test';`, '/v1/sdk?json=1'],
  ] as const) {
    it(`node ${name}: 300 KiB up, 2 MiB down, exactly once, contiguous`, async () => {
      const bodyFile = join(dir, `body-${path.length}.json`);
      // A JSON body of exactly the test's size, so the SDK can send it as it is.
      writeFileSync(bodyFile, JSON.stringify({ input: 'y'.repeat(body.length - 12) }));
      const script = `const fs = require('node:fs');
(async () => { const body = fs.readFileSync(process.argv[1]); const base = process.argv[2]; let ok = false;
  ${call}
  process.exit(ok ? 0 : 3);
})().catch((err) => { console.error(err); process.exit(1); });`;
      const node = spawn(process.execPath, ['-e', script, bodyFile, `https://localhost:${port}`], {
        stdio: ['ignore', 'ignore', 'inherit'],
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
      });
      assert.equal((await once(node, 'exit'))[0], 0);
      await assertCapturedExactly(node.pid!, path, realpathSync(process.execPath), readFileSync(bodyFile));
    });
  }

  it('a node binary copied to a new path is found and captured with no config', async () => {
    const copy = join(dir, 'my-agent-node');
    copyFileSync(process.execPath, copy);
    chmodSync(copy, 0o755);
    // Started after the receiver: found by the rescan; the script waits past it (the first request of
    // a new binary races the attach, DESIGN.md).
    const script = `setTimeout(() => { const https = require('node:https'); const fs = require('node:fs');
const body = fs.readFileSync(process.argv[1]);
const req = https.request(process.argv[2], { method: 'POST', ca: fs.readFileSync(process.argv[3]), headers: { 'content-length': body.length } }, (res) => {
  let n = 0; res.on('data', (c) => (n += c.length)); res.on('end', () => process.exit(n === ${RESPONSE} ? 0 : 3)); });
req.end(body); }, 1500);`;
    const bodyFile = join(dir, 'body-copy.bin');
    writeFileSync(bodyFile, body);
    const child = spawn(copy, ['-e', script, bodyFile, `https://localhost:${port}/v1/copied`, cert], { stdio: ['ignore', 'ignore', 'inherit'] });
    assert.equal((await once(child, 'exit'))[0], 0);
    await assertCapturedExactly(child.pid!, '/v1/copied', copy);
  });

  it('python with its own copy of libssl, loaded late (LD_LIBRARY_PATH), is captured with no config', async () => {
    const lib = join(dir, 'own-lib');
    mkdirSync(lib, { recursive: true });
    for (const name of ['libssl.so.3', 'libcrypto.so.3']) copyFileSync(`/usr/lib/x86_64-linux-gnu/${name}`, join(lib, name));
    const script = `import sys, time
time.sleep(0.2)
import ssl, urllib.request
if sys.argv[3] + '/libssl.so.3' not in open('/proc/self/maps').read():
    sys.exit(4)
time.sleep(1.5)
body = open(sys.argv[1], 'rb').read()
req = urllib.request.Request(sys.argv[2], data=body, method='POST')
with urllib.request.urlopen(req) as res:
    assert len(res.read()) == ${RESPONSE}
`;
    const bodyFile = join(dir, 'body-ownlib.bin');
    writeFileSync(bodyFile, body);
    const python = spawn('/usr/bin/python3', ['-c', script, bodyFile, `https://localhost:${port}/v1/ownlib`, lib], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, SSL_CERT_FILE: cert, LD_LIBRARY_PATH: lib },
    });
    assert.equal((await once(python, 'exit'))[0], 0, 'python loaded the copy and completed the call');
    await assertCapturedExactly(python.pid!, '/v1/ownlib', realpathSync('/usr/bin/python3'));
  });

  it('a process in a container (its own pid and mount namespaces, cgroup and libssl) is captured with both pids, its container id and its library path', async () => {
    // The library exists only inside the container's mount namespace: a tmpfs mounted there over
    // an empty directory, so only /proc/PID/root reaches it from the host.
    const lib = join(dir, 'container-lib');
    const copies = join(dir, 'container-lib-src');
    mkdirSync(lib, { recursive: true });
    mkdirSync(copies, { recursive: true });
    for (const name of ['libssl.so.3', 'libcrypto.so.3']) copyFileSync(`/usr/lib/x86_64-linux-gnu/${name}`, join(copies, name));
    const containerId = randomBytes(32).toString('hex');
    const cgroup = join(cgroupV2Root(), `docker-${containerId}.scope`);
    mkdirSync(cgroup);
    const script = `import sys, time
time.sleep(0.2)
import ssl, urllib.request
time.sleep(1.5)
req = urllib.request.Request(sys.argv[2], data=open(sys.argv[1], 'rb').read(), method='POST')
with urllib.request.urlopen(req) as res:
    assert len(res.read()) == ${RESPONSE}
`;
    const bodyFile = join(dir, 'body-container.bin');
    writeFileSync(bodyFile, body);
    // Into the container's cgroup, then unshare --fork: the python is the namespace's pid 1; its
    // host pid is unshare's child's.
    const inside = `mount -t tmpfs oisp-test "$LIB" && cp "$COPIES"/* "$LIB"/ && exec /usr/bin/python3 -c "$SCRIPT" "$BODY" "$URL"`;
    const ns = spawn('sh', ['-c', `echo $$ > "$CGROUP/cgroup.procs" && exec unshare --pid --fork --mount --mount-proc sh -c '${inside}'`], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env, SSL_CERT_FILE: cert, LD_LIBRARY_PATH: lib, LIB: lib, COPIES: copies, SCRIPT: script, BODY: bodyFile,
        URL: `https://localhost:${port}/v1/container`, CGROUP: cgroup,
      },
    });
    const [code] = await once(ns, 'exit');
    rmdirSync(cgroup);
    assert.equal(code, 0, 'the namespaced python completed the call');
    assert.equal(existsSync(join(lib, 'libssl.so.3')), false, 'the library is not in the host mount namespace');
    const mine = () => (sink.events as OispEvent<'capture.data', CaptureData>[]).filter((e) => e.event_type === 'capture.data' && e.process?.ns_pid === 1 && e.process?.ppid === ns.pid);
    for (let i = 0; i < 50 && mine().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const events = mine();
    assert.ok(events.length > 0, 'captured, with ns_pid 1 and unshare as its parent');
    const hostPid = events[0].process!.pid;
    assert.notEqual(hostPid, 1, 'the host pid, not the namespace one');
    assert.equal(events[0].data.conn.pid, hostPid);
    assert.equal(events[0].process!.container_id, containerId, 'the container id from its cgroup');
    assert.equal(events[0].data.conn.lib, join(lib, 'libssl.so.3'), 'the library as the process sees it, inside its root');
    await assertCapturedExactly(hostPid, '/v1/container', realpathSync('/usr/bin/python3'));
  });

  it('50 concurrent keep-alive connections from one node process are kept apart', async () => {
    const script = `const https = require('node:https');
const fs = require('node:fs');
const agent = new https.Agent({ keepAlive: true, maxSockets: 50, ca: fs.readFileSync(process.argv[2]) });
const one = (i) => new Promise((resolve, reject) => {
  const body = 'request-' + i + '-' + 'x'.repeat(1000 + i);
  const req = https.request(process.argv[1] + '?size=64&i=' + i, { method: 'POST', agent, headers: { 'content-length': body.length } }, (res) => {
    res.resume();
    res.on('end', resolve);
  });
  req.on('error', reject);
  req.end(body);
});
Promise.all(Array.from({ length: 50 }, (_, i) => one(i)))
  .then(() => Promise.all(Array.from({ length: 50 }, (_, i) => one(50 + i))))
  .then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });`;
    const node = spawn(process.execPath, ['-e', script, `https://localhost:${port}/v1/many`, cert], { stdio: ['ignore', 'ignore', 'inherit'] });
    assert.equal((await once(node, 'exit'))[0], 0);
    const requests = () => sink.events.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).conn.pid === node.pid && /^POST \/v1\/many/.test(Buffer.from((e.data as CaptureData).data.subarray(0, 12)).toString()));
    for (let i = 0; i < 100 && requests().length < 100; i++) await new Promise((r) => setTimeout(r, 50));
    const chunks = (sink.events as OispEvent<'capture.data', CaptureData>[]).filter(
      (e) => e.event_type === 'capture.data' && e.data.conn.pid === node.pid && e.data.direction === 'egress',
    );
    const byConn = new Map<string, OispEvent<'capture.data', CaptureData>[]>();
    for (const c of chunks) byConn.set(c.data.conn.id, [...(byConn.get(c.data.conn.id) ?? []), c]);
    // 50 sockets at once; a socket the agent replaced is a new connection (SSL_free bumps the generation).
    assert.ok(byConn.size >= 50, `at least 50 connections, got ${byConn.size}`);
    const seen: number[] = [];
    for (const [id, list] of byConn) {
      list.sort((a, b) => a.data.offset - b.data.offset);
      assert.ok(list.every((c) => c.data.bytes_lost === undefined), `connection ${id}: nothing lost`);
      let stream = Buffer.concat(list.map((c) => c.data.data)).toString('latin1');
      // Each connection's bytes are whole requests of its own, one after another.
      while (stream.length > 0) {
        const m = /^POST \/v1\/many\?size=64&i=(\d+) HTTP\/1\.1\r\n[^]*?content-length: (\d+)\r\n[^]*?\r\n\r\n/i.exec(stream);
        assert.ok(m, `connection ${id}: a whole request at the start of ${JSON.stringify(stream.slice(0, 60))}`);
        const i = Number(m[1]);
        const reqBody = stream.slice(m[0].length, m[0].length + Number(m[2]));
        assert.equal(reqBody, `request-${i}-${'x'.repeat(1000 + i)}`);
        seen.push(i);
        stream = stream.slice(m[0].length + Number(m[2]));
      }
    }
    assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i), 'every request once');
  });

  it('the collector itself is excluded: its own TLS is not captured, its children are', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: 'localhost', port, path: '/self', method: 'POST', ca: readFileSync(cert) }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end('from the collector');
    });
    assert.equal(status, 200);
    assert.match(readFileSync(received, 'latin1'), /from the collector$/, 'the request really went over TLS');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sink.events.filter((e) => e.process?.pid === process.pid).length, 0);
    assert.ok(sink.events.some((e) => e.process?.pid === server.pid), 'the server (a child) is captured');
  });
});

describe('ebpf receiver: overflow', { skip }, () => {
  it('a tiny ring under a burst: the collector keeps running and every lost byte is accounted for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oisp-overflow-'));
    const { cert, key } = makeTestCert(dir);
    const sink = new SinkConsumer();
    const settings = createTestSettings('ebpf', 'receiver');
    // 32 KiB holds one 16 KiB chunk record at a time; curl writes 64 KiB per SSL_write.
    const config = { ...ebpfReceiverFactory.createDefaultConfig(), ring_buffer_bytes: 32 * 1024 };
    const receiver = ebpfReceiverFactory.create(settings, config, sink) as EbpfReceiver;
    await receiver.start(testHost());
    const { server, port } = await startTlsServer(cert, key, join(dir, 'received.bin'), 64);
    try {
      const bodyFile = join(dir, 'burst.bin');
      writeFileSync(bodyFile, Buffer.alloc(8 * 1024 * 1024, 'b'));
      const curl = spawn('curl', ['-sS', '--http1.1', '--cacert', cert, '--data-binary', `@${bodyFile}`, '-o', '/dev/null', `https://localhost:${port}/burst`], { stdio: ['ignore', 'ignore', 'inherit'] });
      assert.equal((await once(curl, 'exit'))[0], 0, 'the client is unaffected');
      const ofCurl = () => sink.events.filter((e) => (e.data as CaptureData).conn?.pid === curl.pid);
      for (let i = 0; i < 100 && !ofCurl().some((e) => e.event_type === 'capture.close'); i++) await new Promise((r) => setTimeout(r, 50));
      const close = ofCurl().find((e) => e.event_type === 'capture.close');
      assert.ok(close, 'SSL_free reached userspace');
      const egress = ofCurl()
        .filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).direction === 'egress')
        .map((e) => e.data as CaptureData)
        .sort((a, b) => a.offset - b.offset);
      const captured = egress.reduce((n, c) => n + c.data.length, 0);
      const gaps = egress.reduce((n, c) => n + (c.bytes_lost ?? 0), 0);
      const last = egress.at(-1)!;
      const trailing = close.data.egress_bytes - (last.offset + last.data.length);
      const sent = close.data.egress_bytes;
      assert.ok(sent > 8 * 1024 * 1024, 'the kernel counted every byte curl wrote');
      assert.ok(gaps + trailing > 0, 'the ring overflowed');
      assert.equal(captured + gaps + trailing, sent, 'captured + lost = sent');
      assert.ok(receiver.drops().ring > 0, 'the kernel counted the records it could not queue');
    } finally {
      server.kill();
      await receiver.shutdown();
    }
    assert.ok(settings.telemetry.droppedCount('ring_full') > 0, 'and the drops are in the collector telemetry');
  });
});
