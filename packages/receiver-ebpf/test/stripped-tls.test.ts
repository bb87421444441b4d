// TLS inside stripped static binaries, on the real kernel: Bun (from npm) links BoringSSL with no
// SSL_* symbols and no unwind table, a C client built here links OpenSSL 3 statically and is
// stripped of every symbol, and turbo (from npm) is Rust with rustls. The receiver finds their
// plaintext functions by structure and captures them byte for byte, with no configuration; each
// runs 100 times under capture unharmed; a corrupted copy, or a build whose functions cannot all
// be verified, gets no probe and says why.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { CaptureData } from '@oisp/core';
import { createTestSettings, makeTestCa, makeTestCert, SinkConsumer, testHost } from '@oisp/core/testing';
import { ebpfReceiverFactory } from '../src/factory.ts';
import { preflight } from '../src/ebpf-receiver.ts';
import { discoverByStructure } from '../src/internal/discovery/discover.ts';
import { ElfImage } from '../src/internal/discovery/elf-image.ts';
import { Flow, walkFunction } from '../src/internal/discovery/x86.ts';
import { discoverTargets } from '../src/internal/targets.ts';
import { assertCapturedExactly } from './captured-exactly.ts';
import { startTlsServer } from './start-tls-server.ts';

const run = promisify(execFile);
const problems = preflight();
// Under CI a capture test never skips: a machine that cannot capture fails the run.
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;
const BUN = realpathSync(join(dirname(createRequire(import.meta.url).resolve('@oven/bun-linux-x64/package.json')), 'bin/bun'));
const CLIENT = join(import.meta.dirname, 'bun-client.mjs');

/** The C client, linked statically against Debian's libssl.a/libcrypto.a and stripped of every symbol. */
function buildStaticOpenSslClient(dir: string): string {
  const exe = join(dir, 'static-openssl-client');
  execFileSync('gcc', ['-O2', '-static', '-o', exe, join(import.meta.dirname, 'static-openssl-client.c'), '-lssl', '-lcrypto'], { stdio: ['ignore', 'ignore', 'ignore'] });
  execFileSync('strip', ['--strip-all', exe]);
  assert.doesNotMatch(execFileSync('llvm-readelf', ['-S', exe], { encoding: 'utf8' }), /\.symtab|\.dynsym/, 'no symbols at all');
  return exe;
}

describe('ebpf receiver: TLS in stripped binaries, found by structure', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-stripped-'));
  const STATIC = buildStaticOpenSslClient(dir);
  const { cert, key } = makeTestCert(dir);
  const received = join(dir, 'received.bin');
  const RESPONSE = 2 * 1024 * 1024;
  const sink = new SinkConsumer();
  const settings = createTestSettings('ebpf', 'receiver');
  const config = { ...ebpfReceiverFactory.createDefaultConfig(), discovery_cache_dir: join(dir, 'discovery') };
  const receiver = ebpfReceiverFactory.create(settings, config, sink);
  let server: ReturnType<typeof spawn>;
  let port = 0;

  const hookedByStructure = () => settings.telemetry.counter('hooked_files', { reason: 'structure' });
  /** Waits until `done()`, polling; false after `ms`. */
  async function until(done: () => boolean, ms = 10_000): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (done()) return true;
    return done();
  }

  before(async () => {
    assert.deepEqual(problems, [], 'this machine must be able to capture');
    writeFileSync(received, '');
    await receiver.start(testHost());
    ({ server, port } = await startTlsServer(cert, key, received, RESPONSE));
    // A binary is judged at its first exec: discovery reads Bun's 100 MB once (about half a second),
    // then attaches; a request made before that is not seen, so the tests start once both are hooked.
    // (Each first run lasts a second: a process gone before its exec is looked at is not judged.)
    await run(BUN, ['-e', 'setTimeout(() => {}, 1000)']);
    assert.ok(await until(() => hookedByStructure() === 1), 'bun hooked at exec, found by structure');
    await run(STATIC, [String(port), cert, '/v1/first-run', '16', 'plain', '1']);
    assert.ok(await until(() => hookedByStructure() === 2), 'the static OpenSSL client hooked at exec, found by structure');
  });

  after(async () => {
    server?.kill();
    await receiver.shutdown();
  });

  const body = Buffer.alloc(300 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = 97 + (i % 26);

  for (const mode of ['whole', 'stream']) {
    it(`bun fetch, response read ${mode === 'stream' ? 'as a stream' : 'whole'}: 300 KiB up, 2 MiB down, exactly once, contiguous`, async () => {
      const path = `/v1/bun-${mode}`;
      const bun = spawn(BUN, [CLIENT, `https://localhost:${port}${path}`, cert, String(body.length), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      bun.stdout!.on('data', (d) => (out += d));
      assert.equal((await once(bun, 'exit'))[0], 0);
      assert.equal(out.trim(), `200 ${RESPONSE}`);
      await assertCapturedExactly(() => sink.events, { pid: bun.pid!, path, exe: BUN, sentBody: body, response: RESPONSE, port });
      const chunks = sink.events.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).conn.pid === bun.pid);
      assert.ok(chunks.every((e) => (e.data as CaptureData).conn.lib === BUN), 'the hooked file on every chunk');
      assert.ok(chunks.every((e) => (e.data as CaptureData).conn.sni === 'localhost'), 'SNI from SSL_set_tlsext_host_name');
      assert.ok(chunks.every((e) => e.source?.capture_point === 'boringssl'), 'the stack, as the capture point');
    });
  }

  for (const mode of ['plain', 'ex']) {
    it(`static OpenSSL 3, stripped (SSL_${mode === 'ex' ? 'write_ex/SSL_read_ex' : 'write/SSL_read'}): 300 KiB up, 2 MiB down, exactly once, contiguous`, async () => {
      const path = `/v1/static-${mode}`;
      const client = spawn(STATIC, [String(port), cert, path, String(body.length), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      client.stdout!.on('data', (d) => (out += d));
      assert.equal((await once(client, 'exit'))[0], 0);
      assert.ok(Number(out.trim()) > RESPONSE, `it read the response (${out.trim()} bytes with the head)`);
      await assertCapturedExactly(() => sink.events, { pid: client.pid!, path, exe: STATIC, sentBody: body, response: RESPONSE, port });
      const chunks = sink.events.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).conn.pid === client.pid);
      assert.ok(chunks.every((e) => (e.data as CaptureData).conn.lib === STATIC), 'the hooked file on every chunk');
      assert.ok(chunks.every((e) => (e.data as CaptureData).conn.sni === 'localhost'), 'SNI from SSL_set_tlsext_host_name (SSL_ctrl, hooked at ssl3_ctrl)');
    });
  }

  it('static OpenSSL, two connections on one SSL object (SSL_clear between): the second handshake ends the first, both exact', async () => {
    const path = '/v1/static-twice';
    const client = spawn(STATIC, [String(port), cert, path, String(body.length), 'plain-twice'], { stdio: ['ignore', 'pipe', 'inherit'] });
    assert.equal((await once(client, 'exit'))[0], 0);
    const mine = () => sink.events.filter((e) => (e.data as CaptureData).conn?.pid === client.pid);
    await until(() => mine().filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).direction === 'ingress').reduce((n, e) => n + (e.data as CaptureData).data.length, 0) >= 2 * RESPONSE);
    const chunks = mine().filter((e) => e.event_type === 'capture.data').map((e) => e.data as CaptureData);
    const ids = [...new Set(chunks.map((c) => c.conn.id))];
    assert.equal(ids.length, 2, `two connections: ${ids.join(' ')}`);
    assert.equal(new Set(chunks.map((c) => c.conn.ssl_ptr)).size, 1, 'on one SSL pointer');
    for (const id of ids) {
      const of = (d: string) => Buffer.concat(chunks.filter((c) => c.conn.id === id && c.direction === d).sort((a, b) => a.offset - b.offset).map((c) => c.data));
      const sent = of('egress');
      assert.ok(sent.subarray(sent.indexOf('\r\n\r\n') + 4).equals(body), `${id}: its request body, exactly`);
      const got = of('ingress');
      assert.equal(got.length - got.indexOf('\r\n\r\n') - 4, RESPONSE, `${id}: its whole response, once`);
      assert.equal(new Set(chunks.filter((c) => c.conn.id === id).map((c) => c.conn.local?.port)).size, 1, `${id}: one socket`);
    }
    assert.notEqual(chunks.find((c) => c.conn.id === ids[0])?.conn.local?.port, chunks.find((c) => c.conn.id === ids[1])?.conn.local?.port, 'each its own socket');
    const closes = mine().filter((e) => e.event_type === 'capture.close');
    assert.equal((closes[0]?.data as { reason?: string }).reason, 'new_handshake', 'the first ended by the second handshake');
  });

  it('the static OpenSSL client runs 100 times under capture: every run exits 0 with the same output, and every one is captured', async () => {
    const pids: number[] = [];
    for (let i = 0; i < 100; i++) {
      const client = spawn(STATIC, [String(port), cert, `/v1/static-run-${i}?size=1024`, '1024', i % 2 ? 'ex' : 'plain'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      client.stdout!.on('data', (d) => (out += d));
      const [code, signal] = await once(client, 'exit');
      assert.deepEqual([code, signal, Number(out.trim()) > 1024], [0, null, true], `run ${i}: ${out.trim()}`);
      pids.push(client.pid!);
    }
    const seen = () => new Set(sink.events.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).direction === 'egress').map((e) => (e.data as CaptureData).conn.pid));
    assert.ok(await until(() => pids.every((p) => seen().has(p))), `captured ${pids.filter((p) => seen().has(p)).length} of 100 runs`);
  });

  it('bun runs 100 times under capture: every run exits 0 with the same output, and every one is captured', async () => {
    const pids: number[] = [];
    for (let i = 0; i < 100; i++) {
      const bun = spawn(BUN, [CLIENT, `https://localhost:${port}/v1/run-${i}?size=1024`, cert, '1024', i % 2 ? 'stream' : 'whole'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      bun.stdout!.on('data', (d) => (out += d));
      const [code, signal] = await once(bun, 'exit');
      assert.deepEqual([code, signal, out.trim()], [0, null, '200 1024'], `run ${i}`);
      pids.push(bun.pid!);
    }
    const seen = () => new Set(sink.events.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).direction === 'egress').map((e) => (e.data as CaptureData).conn.pid));
    assert.ok(await until(() => pids.every((p) => seen().has(p))), `captured ${pids.filter((p) => seen().has(p)).length} of 100 runs`);
  });

  it('what discovery found is kept by file hash: a copy elsewhere is answered from disk, the same', () => {
    const copy = join(dir, 'bun-copy');
    copyFileSync(BUN, copy);
    const first = discoverByStructure(BUN, config.discovery_cache_dir);
    const again = discoverByStructure(copy, config.discovery_cache_dir);
    assert.equal(again.cached, 'disk');
    assert.equal(again.sha256, first.sha256);
    assert.deepEqual(again.stacks, first.stacks);
  });

  it('a corrupted copy (an invalid instruction in SSL_write) gets no probe, and says why', async () => {
    const { stacks } = discoverByStructure(BUN);
    const write = stacks[0].functions.find((f) => f.symbol === 'SSL_write')!;
    const copy = join(dir, 'bun-corrupted');
    copyFileSync(BUN, copy);
    const bytes = readFileSync(copy);
    // 0x06 (push es) is not an instruction in 64-bit mode: the walk from the entry must fail there.
    bytes.fill(0x06, write.offset + 8, write.offset + 12);
    writeFileSync(copy, bytes, { mode: 0o755 });

    const { targets, skipped } = discoverTargets([], [copy], { includeSystem: false });
    assert.deepEqual(targets, [], 'nothing to hook');
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0].stack, 'BoringSSL');
    assert.match(skipped[0].reason, /^BoringSSL found, not hooked: not sure of SSL_write: SSL_write: 0 candidates/);

    // Run under the collector (long enough to be looked at): counted as not hooked, nothing attached.
    const before = hookedByStructure();
    const { stdout } = await run(copy, ['-e', 'setTimeout(() => console.log("ran"), 1000)']);
    assert.equal(stdout.trim(), 'ran');
    assert.ok(await until(() => settings.telemetry.counter('tls_stacks_not_hooked', { stack: 'BoringSSL' }) === 1), 'the unverified stack is counted');
    assert.equal(hookedByStructure(), before, 'no probe on the corrupted copy');
  });

  it('a corrupted copy of the static OpenSSL client (an invalid instruction in SSL_write) gets no probe, and says why', async (t) => {
    const found = discoverByStructure(STATIC);
    t.diagnostic(`discovery of the static OpenSSL client (${(readFileSync(STATIC).length / 1e6).toFixed(1)} MB): ${found.ms ?? `cached (${found.cached})`} ms`);
    const write = found.stacks[0].functions.find((f) => f.symbol === 'SSL_write')!;
    // The first instruction 8 bytes or more into SSL_write, before any branch: every path runs it.
    const walked = [...walkFunction(ElfImage.read(STATIC), write.vaddr)!.instructions.values()].sort((a, b) => a.ip - b.ip);
    const at = walked.find((i) => i.ip >= write.vaddr + 8)!;
    assert.ok(walked.filter((i) => i.ip < at.ip).every((i) => i.flow === Flow.Next), 'no branch before it');
    const copy = join(dir, 'static-openssl-corrupted');
    const bytes = readFileSync(STATIC);
    bytes.fill(0x06, write.offset + (at.ip - write.vaddr), write.offset + (at.ip - write.vaddr) + 4); // push es: not an instruction in 64-bit mode
    writeFileSync(copy, bytes, { mode: 0o755 });

    const { targets, skipped } = discoverTargets([], [copy], { includeSystem: false });
    assert.deepEqual(targets, [], 'nothing to hook');
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0].stack, 'OpenSSL (static)');
    assert.match(skipped[0].reason, /^OpenSSL \(static\) found, not hooked: not sure of SSL_write: SSL_write: 0 candidates/);

    // Run under the collector, long enough to be looked at (its connect refused, so SSL_write is never run).
    const before = hookedByStructure();
    const client = spawn(copy, ['1', cert, '/v1/corrupted', '16', 'plain', '1'], { stdio: 'ignore' });
    assert.deepEqual(await once(client, 'exit'), [5, null], 'it exits as the intact client does when refused');
    assert.ok(await until(() => settings.telemetry.counter('tls_stacks_not_hooked', { stack: 'OpenSSL (static)' }) === 1), 'the unverified stack is counted');
    assert.equal(hookedByStructure(), before, 'no probe on the corrupted copy');
  });
});

describe('ebpf receiver: rustls in a stripped Rust binary (turbo 2.8.17 from npm, its remote cache a local mock)', { skip }, () => {
  const TURBO = realpathSync(join(dirname(createRequire(import.meta.url).resolve('turbo-linux-64/package.json')), 'bin/turbo'));
  const dir = mkdtempSync(join(tmpdir(), 'oisp-rustls-'));
  const { ca, cert, key } = makeTestCa(dir);
  const logs = join(dir, 'mock');
  const repo = join(dir, 'repo');
  const sink = new SinkConsumer();
  const settings = createTestSettings('ebpf', 'receiver');
  const receiver = ebpfReceiverFactory.create(settings, { ...ebpfReceiverFactory.createDefaultConfig(), discovery_cache_dir: join(dir, 'discovery') }, sink);
  let mock: ReturnType<typeof spawn>;
  let port = 0;

  /** One `turbo run build` with the remote cache at the mock: a GET that misses, the events, a PUT of the artifact. */
  async function turboBuild(): Promise<{ pid: number; code: number | null }> {
    rmSync(join(repo, '.turbo'), { recursive: true, force: true });
    rmSync(join(repo, 'packages/a/dist'), { recursive: true, force: true });
    const env: NodeJS.ProcessEnv = { ...process.env, SSL_CERT_FILE: ca, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' };
    delete env.SSL_CERT_DIR; // rustls-native-certs would read the system's roots instead
    const turbo = spawn(TURBO, ['run', 'build', `--api=https://127.0.0.1:${port}`, '--token=x', '--team=t'], { cwd: repo, env, stdio: 'ignore' });
    const [code] = await once(turbo, 'exit');
    return { pid: turbo.pid!, code };
  }

  before(async () => {
    assert.deepEqual(problems, [], 'this machine must be able to capture');
    // A one-package npm workspace whose build writes a file: turbo caches it remotely.
    mkdirSync(join(repo, 'packages/a'), { recursive: true });
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'mono', private: true, packageManager: 'npm@11.0.0', workspaces: ['packages/*'] }));
    writeFileSync(join(repo, 'package-lock.json'), JSON.stringify({ name: 'mono', lockfileVersion: 3, requires: true, packages: { '': { name: 'mono', workspaces: ['packages/*'] }, 'node_modules/a': { resolved: 'packages/a', link: true }, 'packages/a': { version: '1.0.0' } } }));
    writeFileSync(join(repo, 'turbo.json'), JSON.stringify({ tasks: { build: { outputs: ['dist/**'] } } }));
    writeFileSync(join(repo, 'packages/a/package.json'), JSON.stringify({ name: 'a', version: '1.0.0', scripts: { build: "node -e \"require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/out.txt','built')\"" } }));
    execFileSync('git', ['init', '-q'], { cwd: repo });
    mkdirSync(logs);
    mock = spawn(process.execPath, [join(import.meta.dirname, 'turbo-cache-mock.mjs'), cert, key, logs], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = Number((await once(createInterface({ input: mock.stdout! }), 'line'))[0]);
    await receiver.start(testHost());
    // turbo's first run is judged at its exec and read through in the background (a quarter of a
    // second): requests before the hook are not seen. Hooked for every run after it.
    assert.equal((await turboBuild()).code, 0);
    for (let i = 0; i < 200 && settings.telemetry.counter('hooked_files', { reason: 'structure' }) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(settings.telemetry.counter('hooked_files', { reason: 'structure' }), 1, 'turbo hooked at its first exec, found by structure');
  });

  after(async () => {
    mock?.kill();
    await receiver.shutdown();
  });

  /**
   * Each of the run's connections, as captured: exactly what the mock received, and what it sent as
   * far as turbo read it (turbo may exit without reading the answer to its last, fire-and-forget
   * request: the mock sent those bytes, turbo never took them).
   */
  async function assertTurboCaptured(pid: number): Promise<void> {
    const chunks = () => sink.events.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).conn.pid === pid).map((e) => e.data as CaptureData);
    const stream = (id: string, direction: string) => Buffer.concat(chunks().filter((c) => c.conn.id === id && c.direction === direction).sort((a, b) => a.offset - b.offset).map((c) => c.data));
    const byPort = () => new Map(chunks().map((c) => [c.conn.local?.port, c.conn.id]));
    const ports = () => readdirSync(logs).filter((f) => f.endsWith('.in')).map((f) => Number(f.slice(0, -3))).filter((p) => byPort().has(p));
    const sent = (p: number) => readFileSync(join(logs, `${p}.in`));
    const complete = () => ports().length > 0 && ports().every((p) => stream(byPort().get(p)!, 'egress').equals(sent(p)));
    for (let i = 0; i < 100 && !complete(); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200)); // the last reads' batch
    assert.ok(ports().length > 0, `a connection of turbo's was captured with its socket (${chunks().length} chunks)`);
    for (const p of ports()) {
      const id = byPort().get(p)!;
      assert.ok(chunks().filter((c) => c.conn.id === id).every((c) => c.bytes_lost === undefined), 'no gap');
      assert.ok(stream(id, 'egress').equals(sent(p)), `${id}: every byte turbo sent (${sent(p).length}), exactly`);
      const got = stream(id, 'ingress');
      const answered = readFileSync(join(logs, `${p}.out`));
      assert.ok(got.length > 0 && answered.subarray(0, got.length).equals(got), `${id}: what it read (${got.length} of the ${answered.length} bytes sent), exactly`);
      // Whole answers: what turbo did not read is answers it never waited for, not a lost piece of one.
      const ends = [...answered.toString('latin1').matchAll(/HTTP\/1\.1 /g)].map((m) => m.index).concat(answered.length);
      assert.ok(ends.includes(got.length), `${id}: it read ${got.length} bytes, a whole number of answers (${ends.join(', ')})`);
    }
    const requests = Buffer.concat(ports().map((p) => stream(byPort().get(p)!, 'egress'))).toString('latin1');
    assert.match(requests, /GET \/v8\/artifacts\/\w+/, 'the artifact lookup');
    assert.match(requests, /PUT \/v8\/artifacts\/\w+/, 'the artifact upload');
    assert.ok(sink.events.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).conn.pid === pid).every((e) => e.source?.capture_point === 'rustls'), 'the stack, as the capture point');
    const answers = Buffer.concat(ports().map((p) => stream(byPort().get(p)!, 'ingress'))).toString('latin1');
    assert.match(answers, /^HTTP\/1\.1 404 Not Found\r\n/, 'the miss it read');
  }

  it('turbo run build: its requests and the answers it read captured byte for byte, read and write on one connection', async () => {
    const { pid, code } = await turboBuild();
    assert.equal(code, 0);
    await assertTurboCaptured(pid);
  });

  it('turbo runs 100 times under capture: every run exits 0, and every one is captured', async () => {
    const pids: number[] = [];
    for (let i = 0; i < 100; i++) {
      const { pid, code } = await turboBuild();
      assert.equal(code, 0, `run ${i}`);
      pids.push(pid);
    }
    const seen = () => new Set(sink.events.filter((e) => e.event_type === 'capture.data' && (e.data as CaptureData).direction === 'egress').map((e) => (e.data as CaptureData).conn.pid));
    for (let i = 0; i < 100 && !pids.every((p) => seen().has(p)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(pids.filter((p) => seen().has(p)).length, 100, 'captured runs');
  });
});

describe('discovery: rustls where its write side cannot be verified is said, not hooked', () => {
  it('turbo 2.11 (buffer_plaintext reached another way): found, named with its version, not hooked, and why', () => {
    const turbo = realpathSync(join(dirname(createRequire(import.meta.url).resolve('@turbo/linux-64/package.json')), 'bin/turbo'));
    const { targets, skipped } = discoverTargets([], [turbo], { includeSystem: false });
    assert.deepEqual(targets, []);
    assert.equal(skipped.length, 1);
    assert.match(skipped[0].stack ?? '', /^rustls \d+\.\d+\.\d+$/);
    assert.match(skipped[0].reason, /^rustls [\d.]+ found, not hooked: buffer_plaintext: 0 candidates/);
  });
});

describe('ebpf receiver: a stripped binary an earlier run found TLS in', { skip }, () => {
  it('is hooked at start, before it runs: its very first request is captured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oisp-stripped-known-'));
    const { cert, key } = makeTestCert(dir);
    const copy = join(dir, 'bun');
    copyFileSync(BUN, copy);
    const discovery = join(dir, 'discovery');
    assert.equal(discoverByStructure(copy, discovery).stacks[0].functions.length, 4, 'an earlier run found it');
    const sink = new SinkConsumer();
    const settings = createTestSettings('ebpf', 'receiver');
    const receiver = ebpfReceiverFactory.create(settings, { ...ebpfReceiverFactory.createDefaultConfig(), discovery_cache_dir: discovery }, sink);
    writeFileSync(join(dir, 'received.bin'), '');
    const { server, port } = await startTlsServer(cert, key, join(dir, 'received.bin'), 65536);
    try {
      await receiver.start(testHost());
      assert.equal(settings.telemetry.counter('hooked_files', { reason: 'structure' }), 1, 'hooked at start, from the cache, with no process running it');
      const sent = Buffer.alloc(4096);
      for (let i = 0; i < sent.length; i++) sent[i] = 97 + (i % 26);
      const bun = spawn(copy, [CLIENT, `https://localhost:${port}/v1/first`, cert, String(sent.length), 'whole'], { stdio: ['ignore', 'ignore', 'inherit'] });
      assert.equal((await once(bun, 'exit'))[0], 0);
      await assertCapturedExactly(() => sink.events, { pid: bun.pid!, path: '/v1/first', exe: copy, sentBody: sent, response: 65536, port });
    } finally {
      server.kill();
      await receiver.shutdown();
    }
  });
});
