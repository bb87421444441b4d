// Process, file and network events on the real kernel, checked against `strace -f` of the same
// shell script (the oracle): the commands it ran, the files it read, wrote, copied and appended
// (paths and byte counts), the port it connected to, and its exit codes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FileIo, NetworkConnect, OispEvent, ProcessExec, ProcessExit } from '@oisp/core';
import { createTestSettings, SinkConsumer, testHost } from '@oisp/core/testing';
import { ebpfReceiverFactory } from '../src/factory.ts';
import { preflight } from '../src/ebpf-receiver.ts';
import { parseStrace } from './strace-oracle.ts';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

describe('ebpf receiver: process, file and network events', { skip }, () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'oisp-sys-')));
  const sink = new SinkConsumer();
  const config = {
    ...ebpfReceiverFactory.createDefaultConfig(), ssl: false, file_events: 'all' as const, file_io_interval_ms: 300, file_paths: { include: [dir, `${dir}/**`], exclude: [] },
  };
  const receiver = ebpfReceiverFactory.create(createTestSettings('ebpf', 'receiver'), config, sink);
  let listener: net.Server;
  let port = 0;

  before(async () => {
    assert.deepEqual(problems, []);
    listener = net.createServer((s) => s.end()).listen(0, '127.0.0.1');
    await once(listener, 'listening');
    port = (listener.address() as net.AddressInfo).port;
    await receiver.start(testHost());
  });

  after(async () => {
    listener?.close();
    await receiver.shutdown();
  });

  it('a shell script yields the events strace -f shows: execs, opens, bytes read and written, connects, exit codes', async () => {
    const script = join(dir, 'work.sh');
    writeFileSync(script, `#!/bin/bash
cd ${dir}
echo hello > a.txt
cat a.txt > c.txt
cp a.txt b.txt
echo more >> b.txt
head -c 3 b.txt > /dev/null
ls ${dir} > /dev/null
(exec 3<>/dev/tcp/127.0.0.1/${port}; echo ping >&3) 2>/dev/null
sh -c 'exit 5'
exit 7
`, { mode: 0o755 });
    const traceFile = join(dir, 'strace.txt');
    const strace = spawn('strace', ['-f', '-qq', '-s', '256', '-o', traceFile, '-e', 'trace=execve,exit_group,chdir,openat,open,close,dup,dup2,dup3,fcntl,read,write,pread64,pwrite64,readv,writev,copy_file_range,sendfile,splice,connect', script], { stdio: 'inherit' });
    const [code] = await once(strace, 'exit');
    assert.equal(code, 7, 'the script exits 7 (strace passes the code on)');
    await new Promise((r) => setTimeout(r, 1000));
    const oracle = parseStrace(readFileSync(traceFile, 'utf8'), dir, dir);

    // The script's process tree, from our own events: the exec under strace, and its descendants.
    const events = sink.events;
    const tree = new Set<number>();
    for (const e of events) if (e.event_type === 'process.exec' && (e.data as ProcessExec).ppid === strace.pid) tree.add(e.process!.pid);
    for (let grew = true; grew; ) {
      grew = false;
      for (const e of events) {
        const ppid = e.process?.ppid;
        if (e.process && ppid !== undefined && tree.has(ppid) && !tree.has(e.process.pid)) {
          tree.add(e.process.pid);
          grew = true;
        }
      }
    }
    const mine = events.filter((e) => e.process && tree.has(e.process.pid));
    const of = <T>(type: string) => mine.filter((e) => e.event_type === type) as OispEvent<string, T>[];

    // Commands: the same argv for the same pid.
    const execs = new Map(of<ProcessExec>('process.exec').map((e) => [e.process!.pid, e.data.args]));
    assert.deepEqual(execs, oracle.execs);
    // Exit codes of every process that exited (subshells included).
    const exits = new Map(of<ProcessExit>('process.exit').map((e) => [e.process!.pid, e.data.exit_code]));
    assert.deepEqual(exits, oracle.exits);
    // Opens under the test dir.
    const opens = new Set(of<{ path: string; result: number }>('file.open').filter((e) => e.data.result >= 0).map((e) => `${e.process!.pid} ${e.data.path}`));
    assert.deepEqual(opens, oracle.opens);
    // Bytes through each opened file, per process: read, write, copy_file_range, >> and > (dup2) included.
    const io = new Map<string, { read: number; write: number }>();
    for (const e of [...of<FileIo>('file.read'), ...of<FileIo>('file.write')]) {
      const key = `${e.process!.pid} ${e.data.path}`;
      const v = io.get(key) ?? { read: 0, write: 0 };
      v[e.event_type === 'file.read' ? 'read' : 'write'] += e.data.bytes;
      io.set(key, v);
    }
    const nonZero = (m: Map<string, { read: number; write: number }>) => new Map([...m].filter(([, v]) => v.read + v.write > 0));
    assert.deepEqual(nonZero(io), nonZero(oracle.io));
    // The connect to the local port.
    const connects = new Set(of<NetworkConnect>('network.connect').map((e) => `${e.process!.pid} ${e.data.dest.ip}:${e.data.dest.port} ${e.data.success && !e.data.pending ? 'ok' : e.data.error}`));
    assert.deepEqual(connects, oracle.connects);
    assert.ok(connects.size === 1, `one connect: ${[...connects].join(', ')}`);
  });

  it('a file kept open reports its bytes while in use, and the rest at close: the totals add up to what was written and read', async () => {
    const file = join(dir, 'kept-open.log');
    // 20 writes 100 ms apart on one fd (2 s, about six 300 ms intervals), then one read of it all.
    const script = `import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC)
for i in range(20):
    os.write(fd, b'line %02d of the log\\n' % i)
    time.sleep(0.1)
os.lseek(fd, 0, 0)
got = os.read(fd, 1 << 16)
os.close(fd)
print(len(got))
`;
    const py = spawn('python3', ['-c', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    py.stdout!.on('data', (d) => (stdout += d));
    assert.equal((await once(py, 'exit'))[0], 0);
    const size = readFileSync(file).length;
    assert.equal(Number(stdout), size, 'python read back the whole file');
    const mine = () => (sink.events as OispEvent<string, FileIo>[]).filter((e) => e.process?.pid === py.pid && e.data.path === file && e.event_type.startsWith('file.'));
    for (let i = 0; i < 30 && !mine().some((e) => e.event_type === 'file.read'); i++) await new Promise((r) => setTimeout(r, 100));
    const writes = mine().filter((e) => e.event_type === 'file.write');
    assert.ok(writes.length >= 3, `reported while open, not only at close: ${writes.length} file.write events`);
    assert.equal(writes.reduce((n, e) => n + e.data.bytes, 0), size, 'the write totals add up to the file');
    assert.equal(writes.reduce((n, e) => n + e.data.ops, 0), 20, 'twenty writes');
    const reads = mine().filter((e) => e.event_type === 'file.read');
    assert.equal(reads.reduce((n, e) => n + e.data.bytes, 0), size, 'the read at the end');
  });

  it('a non-blocking connect: pending at the call, then its outcome when the handshake ends (established at once, refused, established later)', async () => {
    const closed = net.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as net.AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    // The client is the oracle: connect_ex's errno, then SO_ERROR once the socket is writable, and its local port.
    // The third port's listener has a full accept queue: the SYN is dropped until it accepts
    // (300 ms later) and the retransmitted SYN (1 s) gets through — an outcome after connect() returned.
    const script = `import errno, json, select, socket, sys, threading
full = socket.socket()
full.bind(('127.0.0.1', 0))
full.listen(0)
filler = socket.create_connection(full.getsockname())
threading.Timer(0.3, full.accept).start()
out = []
for port in [*map(int, sys.argv[1:]), full.getsockname()[1]]:
    s = socket.socket()
    s.setblocking(False)
    first = s.connect_ex(('127.0.0.1', port))
    select.select([], [s], [], 10)
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    out.append({'fd': s.fileno(), 'port': port, 'first': errno.errorcode.get(first, first), 'outcome': errno.errorcode.get(err, 'ok'), 'local': s.getsockname()[1] if err == 0 else 0})
    s.close()
print(json.dumps(out))
`;
    const py = spawn('python3', ['-c', script, String(port), String(closedPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    py.stdout!.on('data', (d) => (stdout += d));
    assert.equal((await once(py, 'exit'))[0], 0);
    const oracle = JSON.parse(stdout) as { fd: number; port: number; first: string; outcome: string; local: number }[];
    assert.deepEqual(oracle.map((o) => [o.first, o.outcome]), [['EINPROGRESS', 'ok'], ['EINPROGRESS', 'ECONNREFUSED'], ['EINPROGRESS', 'ok']], 'python saw three non-blocking connects, one refused');
    const mine = () => (sink.events as OispEvent<'network.connect', NetworkConnect>[]).filter((e) => e.event_type === 'network.connect' && e.process?.pid === py.pid);
    for (let i = 0; i < 40 && mine().length < 7; i++) await new Promise((r) => setTimeout(r, 100));
    const events = mine().filter((e) => oracle.some((o) => o.fd === e.data.fd));
    assert.equal(events.length, 6, 'two events per connect');
    for (const o of oracle) {
      const [call, outcome] = events.filter((e) => e.data.dest.port === o.port);
      assert.equal(call.data.pending, true, `port ${o.port}: the call is pending`);
      assert.equal(call.data.success, true, 'EINPROGRESS is not a failure');
      assert.equal(outcome.data.pending, undefined);
      assert.equal(outcome.data.fd, o.fd);
      assert.equal(outcome.data.success, o.outcome === 'ok');
      assert.equal(outcome.data.error, o.outcome === 'ok' ? undefined : o.outcome);
      assert.deepEqual(outcome.related_events, [{ event_id: call.event_id, relationship: 'completes' }]);
      assert.ok(outcome.data.duration_ms! >= 0 && outcome.data.duration_ms! < 10_000, `duration ${outcome.data.duration_ms} ms`);
      assert.ok(BigInt(outcome.ts_mono!) >= BigInt(call.ts_mono!), 'the outcome comes after the call');
      if (o.local) {
        assert.deepEqual(call.data.src, { ip: '127.0.0.1', port: o.local }, 'the local address, as getsockname says');
        assert.deepEqual(outcome.data.src, { ip: '127.0.0.1', port: o.local });
      }
    }
    // The late one could only finish after its listener accepted, 300 ms in.
    const late = events.filter((e) => e.data.dest.port === oracle[2].port)[1];
    assert.ok(late.data.duration_ms! > 300, `the late handshake took ${late.data.duration_ms} ms`);
  });

  it('by default only agents\' file events are kept, and what the kernel left out is counted by filter', async () => {
    const settings = createTestSettings('ebpf/marked', 'receiver');
    const own = new SinkConsumer();
    const marked = ebpfReceiverFactory.create(settings, { ...ebpfReceiverFactory.createDefaultConfig(), ssl: false }, own);
    await marked.start(testHost());
    const cat = spawn('cat', [join(dir, 'a.txt')], { stdio: 'ignore' });
    await once(cat, 'exit');
    await new Promise((r) => setTimeout(r, 300));
    await marked.shutdown();
    assert.ok(own.events.some((e) => e.event_type === 'process.exec' && e.process?.pid === cat.pid), 'its exec is there');
    assert.ok(!own.events.some((e) => e.event_type.startsWith('file.') && e.process?.pid === cat.pid), 'no file events of a process that is not an agent');
    assert.ok(settings.telemetry.counter('file_events_suppressed', { filter: 'unmarked' }) >= 1, 'its opens counted as left out');
  });

  it('a process in a container cgroup carries its container id (cgroup v2 scope, and v1 cgroupfs where the host has it)', async () => {
    const v2 = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l))?.split(' ')[4];
    assert.ok(v2, 'a cgroup2 mount');
    const cases = [{ id: randomBytes(32).toString('hex'), parent: v2, name: (id: string) => `docker-${id}.scope` }];
    // A hybrid host (cgroup v1 controllers beside v2) where the process sits at the v2 root: the id
    // is in the v1 memory hierarchy (docker's cgroupfs driver: /docker/ID).
    if (existsSync('/sys/fs/cgroup/memory/cgroup.procs') && readFileSync('/proc/self/cgroup', 'utf8').includes('0::/\n')) {
      mkdirSync('/sys/fs/cgroup/memory/oisp-test-docker', { recursive: true });
      cases.push({ id: randomBytes(32).toString('hex'), parent: '/sys/fs/cgroup/memory/oisp-test-docker', name: (id: string) => id });
    }
    for (const c of cases) {
      const cgroup = join(c.parent, c.name(c.id));
      mkdirSync(cgroup);
      const sh = spawn('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec /bin/echo ${c.id}`], { stdio: 'ignore' });
      assert.equal((await once(sh, 'exit'))[0], 0);
      rmdirSync(cgroup);
      const exec = () => sink.events.find((e) => e.event_type === 'process.exec' && (e.data as ProcessExec).args.join(' ') === `/bin/echo ${c.id}`);
      for (let i = 0; i < 30 && !exec(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(exec()?.process?.container_id, c.id, `container id from ${cgroup}`);
    }
    if (cases.length > 1) rmdirSync('/sys/fs/cgroup/memory/oisp-test-docker');
  });
});
