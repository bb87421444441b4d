// `check` and `targets` on the real machine, and on cases made to fail: no BTF where it is
// looked for, a running binary whose TLS stack (Go's) is not covered, and one whose stack was found
// by structure but could not be verified (a corrupted copy of Bun).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { preflight } from '@oisp/receiver-ebpf';

const bin = resolve(import.meta.dirname, '../src/bin.ts');
const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

describe('oisp-collector check / targets', { skip }, () => {
  it('check: every line OK on this machine, exit 0', () => {
    const r = spawnSync(process.execPath, [bin, 'check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), ['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'OK'], r.stdout);
    assert.match(r.stdout, /sys\.bpf\.o loads and attaches/);
  });

  it('check: without tracefs everything still works — the line says it is not required, exit 0', () => {
    const r = spawnSync(process.execPath, [bin, 'check'], { encoding: 'utf8', env: { ...process.env, OISP_CHECK_TRACEFS_PATH: '/nonexistent/tracing' } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^OK +tracefs: \/nonexistent\/tracing not mounted: not required/m);
    assert.match(r.stdout, /sys\.bpf\.o loads and attaches/, 'the programs load and attach without it');
  });

  it('check: a missing BTF is a FAIL that says what to do, the rest not tried, exit 1', () => {
    const r = spawnSync(process.execPath, [bin, 'check'], { encoding: 'utf8', env: { ...process.env, OISP_CHECK_BTF_PATH: '/nonexistent/vmlinux' } });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^FAIL +BTF: \/nonexistent\/vmlinux is missing: the kernel must be built with CONFIG_DEBUG_INFO_BTF=y/m);
    assert.match(r.stdout, /^FAIL +TLS programs: not tried: fix the lines above first/m);
  });

  it('targets: libssl hooked; a running Go binary reported as not covered yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oisp-targets-'));
    const fake = join(dir, 'fake-go-server');
    writeFileSync(join(dir, 'buildinfo'), '\xff Go buildinf:');
    // A real executable carrying Go's build-info section: what `go build` leaves in every binary.
    execFileSync('llvm-objcopy', ['--add-section', `.go.buildinfo=${join(dir, 'buildinfo')}`, '/usr/bin/sleep', fake]);
    const child = spawn(fake, ['30']);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const r = spawnSync(process.execPath, [bin, 'targets', '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { hooked: { path: string; reason: string }[]; uncovered: { pid: number; path: string; stack: string }[] };
      assert.ok(out.hooked.some((t) => /libssl\.so/.test(t.path) && t.reason === 'system libssl'), r.stdout);
      assert.deepEqual(out.uncovered.filter((u) => u.pid === child.pid), [{ pid: child.pid, path: fake, stack: 'Go crypto/tls' }]);
    } finally {
      child.kill();
    }
  });

  it('targets: a running bun hooked by structure (offsets and the facts behind them); a corrupted copy not hooked, and why', async () => {
    const bun = realpathSync(join(dirname(createRequire(import.meta.url).resolve('@oven/bun-linux-x64/package.json')), 'bin/bun'));
    type Out = { hooked: { path: string; reason: string; symbols: string[]; pids: number[]; offsets?: Record<string, string>; facts?: Record<string, string[]> }[]; uncovered: { pid: number; path: string; stack: string }[] };
    const targets = (): Out => {
      const r = spawnSync(process.execPath, [bin, 'targets', '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as Out;
    };
    const sleeper = ['-e', 'setTimeout(() => {}, 30000)'];
    const running = spawn(bun, sleeper);
    const dir = mkdtempSync(join(tmpdir(), 'oisp-targets-'));
    const corrupted = join(dir, 'bun');
    let broken: ReturnType<typeof spawn> | undefined;
    try {
      await new Promise((r) => setTimeout(r, 300));
      const hooked = targets().hooked.find((t) => t.path === bun);
      assert.ok(hooked, 'bun is hooked');
      assert.equal(hooked.reason, 'BoringSSL found by structure');
      assert.deepEqual(hooked.symbols.slice(0, 2), ['SSL_write', 'SSL_read']);
      assert.ok(hooked.pids.includes(running.pid!));
      assert.match(hooked.facts?.SSL_write.join('\n') ?? '', /BAD_LENGTH.*ssl_lib\.cc/);
      // A copy with an invalid instruction where SSL_write begins: found, not verified, said so.
      const bytes = readFileSync(bun);
      bytes.fill(0x06, Number(hooked.offsets?.SSL_write) + 8, Number(hooked.offsets?.SSL_write) + 12);
      writeFileSync(corrupted, bytes, { mode: 0o755 });
      broken = spawn(corrupted, sleeper);
      await new Promise((r) => setTimeout(r, 300));
      const out = targets();
      assert.ok(!out.hooked.some((t) => t.path === corrupted), 'no probe for the corrupted copy');
      const line = out.uncovered.find((u) => u.pid === broken!.pid);
      assert.equal(line?.path, corrupted);
      assert.match(line?.stack ?? '', /^BoringSSL found, not hooked: not sure of SSL_write/);
    } finally {
      running.kill();
      broken?.kill();
    }
  });

  it('targets: a process sending QUIC (UDP to port 443, IPv4 and IPv6) is said to be invisible, once per peer; UDP to another port is not', async () => {
    // Two sockets to each peer: one line per process and peer, not per socket.
    const sender = (port: number) => spawn('/usr/bin/python3', ['-c', `import socket, time
socks = []
for family, host in [(socket.AF_INET, '127.0.0.1'), (socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1'), (socket.AF_INET6, '::1')]:
    s = socket.socket(family, socket.SOCK_DGRAM); s.connect((host, ${port})); s.send(b'quic?'); socks.append(s)
print('ready', flush=True); time.sleep(30)`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const quic = sender(443);
    const other = sender(8443);
    try {
      await Promise.all([quic, other].map((p) => new Promise((r) => p.stdout!.once('data', r))));
      const r = spawnSync(process.execPath, [bin, 'targets', '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const { uncovered } = JSON.parse(r.stdout) as { uncovered: { pid: number; path: string; stack: string; remote?: string }[] };
      assert.deepEqual(uncovered.filter((u) => u.pid === quic.pid).map((u) => [u.path, u.stack, u.remote]), [
        [realpathSync('/usr/bin/python3'), 'QUIC/HTTP/3 (UDP to 127.0.0.1:443): not visible to TLS capture', '127.0.0.1:443'],
        [realpathSync('/usr/bin/python3'), 'QUIC/HTTP/3 (UDP to [::1]:443): not visible to TLS capture', '[::1]:443'],
      ]);
      assert.deepEqual(uncovered.filter((u) => u.pid === other.pid), [], 'UDP to 8443 is not QUIC');
      const text = spawnSync(process.execPath, [bin, 'targets'], { encoding: 'utf8' }).stdout;
      assert.match(text, new RegExp(`pid ${quic.pid} .* QUIC/HTTP/3 \\(UDP to 127\\.0\\.0\\.1:443\\): not visible to TLS capture`));
      assert.match(text, new RegExp(`pid ${quic.pid} .* QUIC/HTTP/3 \\(UDP to \\[::1\\]:443\\): not visible to TLS capture`));
      assert.doesNotMatch(text, new RegExp(`pid ${other.pid} `));
    } finally {
      quic.kill();
      other.kill();
    }
  });
});
