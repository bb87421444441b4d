// Process, file and network events on the real kernel, checked against `strace -f` of the same
// shell script (the oracle): the commands it ran, the files it read, wrote, copied and appended
// (paths and byte counts), the port it connected to, and its exit codes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
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
  const config = { ...ebpfReceiverFactory.createDefaultConfig(), ssl: false, file_events: 'all' as const, file_paths: { include: [dir, `${dir}/**`], exclude: [] } };
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
});
