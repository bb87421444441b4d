// Installing for real: the package scripts/pack.ts makes is published to a registry on loopback and
// installed with `npm install -g oisp-collector`, as a user would from npmjs.org, on a PATH that holds
// no compiler, make, bpftool or node-gyp. The installed command must pass `check` (both prebuilt BPF
// objects load and attach through the prebuilt addon) and capture the demo's agent run.
//
// The registry serves only oisp-collector itself: every dependency must come from the package's
// npm-shrinkwrap.json and the npm cache that `npm ci` filled (--prefer-offline), so an incomplete
// shrinkwrap shows up as a request for some other package, and no test touches the network.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { preflight } from '@oisp/receiver-ebpf';

const root = resolve(import.meta.dirname, '../../..');
const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

/** A folder of symlinks to just these commands: what the install and the collector may use. */
function bareBin(dir: string, commands: string[]): string {
  mkdirSync(dir);
  for (const c of commands) symlinkSync(c === 'node' ? process.execPath : execFileSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).trim(), join(dir, c));
  return dir;
}

/** Runs a command without blocking this process's event loop (the registry lives in it). */
function run(command: string, args: string[], options: SpawnOptions): Promise<{ status: number | null; output: string }> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d));
  child.stderr?.on('data', (d: Buffer) => (output += d));
  return new Promise((ok) => child.on('close', (status) => ok({ status, output })));
}

/** A registry that knows one package; every other request is recorded and answered 404. */
function serveRegistry(tarball: string, manifest: Record<string, unknown>, strays: string[]): Promise<Server> {
  const bytes = readFileSync(tarball);
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  const server = createServer((req, res) => {
    const { port } = server.address() as AddressInfo;
    if (req.url === `/${manifest.name}`) {
      // What npmjs.org says of a package published with a shrinkwrap (_hasShrinkwrap).
      const version = { ...manifest, _hasShrinkwrap: true, dist: { tarball: `http://127.0.0.1:${port}/tarball/${basename(tarball)}`, integrity } };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name: manifest.name, 'dist-tags': { latest: manifest.version }, versions: { [manifest.version as string]: version } }));
    } else if (req.url === `/tarball/${basename(tarball)}`) {
      res.end(bytes);
    } else {
      strays.push(req.url ?? '');
      res.statusCode = 404;
      res.end('{}');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

describe('npm install -g oisp-collector, on a host without a compiler', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'oisp-npm-install-'));
  const prefix = join(work, 'prefix');
  const strays: string[] = [];
  let registry: Server;
  let path: string;
  let manifest: Record<string, unknown>;

  before(async () => {
    const packed = execFileSync(process.execPath, [join(root, 'scripts/pack.ts'), join(work, 'out')], { encoding: 'utf8' });
    const tarball = /^(\S+\.tgz) /m.exec(packed)?.[1];
    assert.ok(tarball, packed);
    manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    registry = await serveRegistry(tarball, manifest, strays);
    // What the install runs (dependencies' install scripts need sh and node) and what the demo runs.
    path = bareBin(join(work, 'bin'), ['node', 'sh', 'openssl', 'unshare', 'mount', 'ls', 'cat']);
  });
  after(() => registry?.close());

  it('the package carries its natives and no build step', () => {
    const files = execFileSync('tar', ['-tzf', join(work, 'out', `oisp-collector-${manifest.version}.tgz`)], { encoding: 'utf8' }).split('\n');
    for (const f of ['dist/oisp-collector.mjs', 'dist/discovery-worker.mjs', 'prebuilt/oisp_ebpf.node', 'prebuilt/ssl.bpf.o', 'prebuilt/sys.bpf.o', 'npm-shrinkwrap.json']) assert.ok(files.includes(`package/${f}`), f);
    assert.ok(!files.includes('package/binding.gyp'), 'no binding.gyp (npm would run node-gyp)');
    assert.equal((manifest as { scripts?: unknown }).scripts, undefined, 'no install scripts');
    assert.ok(!files.some((f) => f.endsWith('.ts')), 'no TypeScript (node does not strip types under node_modules)');
  });

  it('installs from the registry and its shrinkwrap alone, without clang, make or node-gyp', async () => {
    const npmCli = join(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())), 'npm-cli.js');
    const { port } = registry.address() as AddressInfo;
    const r = await run(process.execPath, [npmCli, 'install', '-g', '--prefix', prefix, `--registry=http://127.0.0.1:${port}/`, '--prefer-offline', '--replace-registry-host=never', '--no-audit', '--no-fund', '--no-update-notifier', 'oisp-collector'], {
      env: { PATH: path, HOME: process.env.HOME, npm_config_cache: process.env.npm_config_cache },
      timeout: 180_000,
    });
    assert.equal(r.status, 0, r.output);
    // npm asks for the direct dependencies' metadata while it plans, then takes the shrinkwrap's tree.
    const direct = new Set(Object.keys(manifest.dependencies as object).map((d) => `/${d.replace('/', '%2f')}`));
    assert.deepEqual(strays.filter((s) => !direct.has(s)), [], 'every package came from the shrinkwrap and the cache');
    const installed = join(prefix, 'lib/node_modules/oisp-collector');
    const lock = JSON.parse(readFileSync(join(installed, 'npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, { version?: string; optional?: boolean }> };
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (key === '' || entry.optional) continue;
      const got = (JSON.parse(readFileSync(join(installed, key, 'package.json'), 'utf8')) as { version: string }).version;
      assert.equal(got, entry.version, `${key}: the version CI tested`);
    }
    const v = spawnSync(join(prefix, 'bin/oisp-collector'), ['--version'], { encoding: 'utf8', env: { PATH: path } });
    assert.equal(v.stdout.trim(), manifest.version, v.stderr);
  });

  it('check passes: the prebuilt BPF objects load and attach through the prebuilt addon', () => {
    const r = spawnSync(join(prefix, 'bin/oisp-collector'), ['check'], { encoding: 'utf8', env: { PATH: path } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^OK +TLS programs: ssl\.bpf\.o loads/m);
    assert.match(r.stdout, /^OK +system-event programs: sys\.bpf\.o loads and attaches/m);
    assert.doesNotMatch(r.stdout, /FAIL/);
  });

  it('the installed discovery worker (stripped binaries, off the event loop) loads and answers', () => {
    const worker = join(prefix, 'lib/node_modules/oisp-collector/dist/discovery-worker.mjs');
    const script = `const { Worker } = require('node:worker_threads');
const w = new Worker(${JSON.stringify(worker)});
w.on('message', (m) => { console.log(JSON.stringify(m)); w.terminate(); });
w.postMessage({ id: 7, path: '/usr/lib/x86_64-linux-gnu/libssl.so.3' });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: path } });
    assert.equal(r.status, 0, r.stderr);
    // libssl.so.3 carries ssl/ssl_lib.c: the static OpenSSL recognizer reads it through and finds SSL_write.
    const answer = JSON.parse(r.stdout) as { id: number; found: { stacks: { stack: string; functions: { symbol: string }[] }[] } };
    assert.equal(answer.id, 7);
    assert.ok(answer.found.stacks.some((s) => s.functions.some((f) => f.symbol === 'SSL_write')), r.stdout);
  });

  it('the installed demo captures an agent run', () => {
    const r = spawnSync(join(prefix, 'bin/oisp-collector'), ['demo'], { encoding: 'utf8', env: { PATH: path }, timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /openai gpt-4o-mini .* in 31 out 12 .*tool_calls/);
    assert.match(r.stdout, /↳ tool run_shell \{"command":"ls && cat notes\.txt"\}/);
    assert.match(r.stdout, /openai gpt-4o-mini: 2 calls, 62 in \/ 24 out tokens/);
  });
});
