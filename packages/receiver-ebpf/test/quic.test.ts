// QUIC (HTTP/3, UDP to port 443) on the real kernel: TLS capture cannot see inside it, so the
// receiver says it happened — a network.connect marked `protocol: 'udp'` and metadata_only, the
// quic_flows counter, one warning — once per process and destination, however many datagrams go,
// whether the socket was connected (connect) or not (sendto, sendmsg, sendmmsg, node's dgram).
// UDP to another port is not QUIC (the control). Nothing listens on 443: a datagram needs no peer.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { NetworkConnect, OispEvent } from '@oisp/core';
import { createTestSettings, SinkConsumer, testHost } from '@oisp/core/testing';
import { ebpfReceiverFactory } from '../src/factory.ts';
import { preflight } from '../src/ebpf-receiver.ts';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;

const PY = '/usr/bin/python3';
const DATAGRAMS = 200;

/** A python3 that sends DATAGRAMS datagrams to host:port, connected or not (sendto, or sendmsg), says
 * `sent`, and waits for stdin to close. */
function pySender(host: string, port: number, how: 'connect' | 'sendto' | 'sendmsg'): ChildProcess {
  const family = host.includes(':') ? 'AF_INET6' : 'AF_INET';
  const send = { connect: `s.connect(a)\nfor i in range(${DATAGRAMS}):\n    try: s.send(b'q')\n    except ConnectionRefusedError: pass`, sendto: `for i in range(${DATAGRAMS}): s.sendto(b'q', a)`, sendmsg: `for i in range(${DATAGRAMS}): s.sendmsg([b'q'], [], 0, a)` }[how];
  return spawn(PY, ['-c', `import socket, sys
s = socket.socket(socket.${family}, socket.SOCK_DGRAM)
a = ('${host}', ${port})
${send}
print('sent', flush=True)
sys.stdin.read()`], { stdio: ['pipe', 'pipe', 'inherit'] });
}

/** node's dgram (libuv: sendmsg, or sendmmsg for a batch) on an unconnected socket. */
function nodeSender(port: number): ChildProcess {
  return spawn(process.execPath, ['-e', `const s = require('node:dgram').createSocket('udp4');
let left = ${DATAGRAMS};
for (let i = 0; i < ${DATAGRAMS}; i++) s.send('q', ${port}, '127.0.0.1', () => { if (--left === 0) console.log('sent'); });
process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`], { stdio: ['pipe', 'pipe', 'inherit'] });
}

/** sendmmsg(2) in batches of 10 on an unconnected socket (neither python nor node calls it). */
const SENDMMSG_C = `#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  struct iovec v = { "q", 1 };
  struct mmsghdr m[10];
  memset(m, 0, sizeof(m));
  for (int i = 0; i < 10; i++) { m[i].msg_hdr.msg_name = &a; m[i].msg_hdr.msg_namelen = sizeof(a); m[i].msg_hdr.msg_iov = &v; m[i].msg_hdr.msg_iovlen = 1; }
  for (int i = 0; i < ${DATAGRAMS} / 10; i++) if (sendmmsg(s, m, 10, 0) != 10) return 1;
  printf("sent\\n"); fflush(stdout);
  char b[1]; while (read(0, b, 1) > 0) {}
  return 0;
}`;

async function sent(p: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    p.stdout!.once('data', () => resolve());
    p.once('exit', (code) => reject(new Error(`sender exited ${code} before it sent`)));
  });
}

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (check()) return true;
  return check();
}

describe('ebpf receiver: QUIC (UDP 443) is said, once per process and destination', { skip }, () => {
  const sink = new SinkConsumer();
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  const settings = createTestSettings('ebpf', 'receiver', { logger });
  const receiver = ebpfReceiverFactory.create(settings, { ...ebpfReceiverFactory.createDefaultConfig(), ssl: false, system_events_delay_ms: 0 }, sink);
  const running: ChildProcess[] = [];
  let early: ChildProcess;
  const dir = mkdtempSync(join(tmpdir(), 'oisp-quic-'));
  const mmsg = join(dir, 'sendmmsg');
  const mmsgSender = (port: number) => spawn(mmsg, [String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });

  const connects = (pid: number | undefined) => sink.events.filter((e) => e.event_type === 'network.connect' && e.process?.pid === pid) as OispEvent<'network.connect', NetworkConnect>[];
  const warnings = (pid: number | undefined) => lines.filter((l) => l.pid === pid && l.msg === 'QUIC/HTTP/3 (UDP 443): not visible to TLS capture');
  const start = (p: ChildProcess) => (running.push(p), p);

  before(async () => {
    assert.deepEqual(problems, []);
    writeFileSync(`${mmsg}.c`, SENDMMSG_C);
    execFileSync('cc', ['-O2', '-o', mmsg, `${mmsg}.c`]);
    // A QUIC flow opened before the receiver starts: found in /proc at start.
    early = start(pySender('127.0.0.1', 443, 'connect'));
    await sent(early);
    await receiver.start(testHost());
  });

  after(async () => {
    for (const p of running) p.stdin?.end();
    await receiver.shutdown();
  });

  it('a flow already open at start is counted and said from /proc', async () => {
    assert.deepEqual(warnings(early.pid).map((l) => [l.remote, l.seen_by]), [['127.0.0.1:443', 'running']]);
    assert.equal(settings.telemetry.counter('quic_flows'), 1);
  });

  it('a connected UDP socket to 443: its connect is a network.connect marked udp and metadata_only, counted once however many datagrams follow', async () => {
    const before = settings.telemetry.counter('quic_flows');
    const p = start(pySender('127.0.0.1', 443, 'connect'));
    await sent(p);
    assert.ok(await until(() => warnings(p.pid).length === 1), 'said once');
    const [e, ...more] = connects(p.pid);
    assert.deepEqual(more, [], 'one connect, no event per datagram');
    assert.equal(e.data.protocol, 'udp');
    assert.deepEqual(e.data.dest, { ip: '127.0.0.1', port: 443 });
    assert.equal(e.data.success, true);
    assert.equal(e.data.first_datagram, undefined);
    assert.deepEqual(e.confidence, { level: 'high', completeness: 'metadata_only', reasons: ['QUIC/HTTP/3 (UDP 443): not visible to TLS capture'] });
    assert.equal(warnings(p.pid)[0].seen_by, 'connect');
    assert.equal(settings.telemetry.counter('quic_flows'), before + 1);
  });

  for (const how of ['sendto', 'sendmsg'] as const) {
    it(`an unconnected UDP socket (${how}): its first datagram to each QUIC destination is one network.connect (first_datagram), ${DATAGRAMS} datagrams or not`, async () => {
      const before = settings.telemetry.counter('quic_flows');
      const v4 = start(pySender('127.0.0.1', 443, how));
      const v6 = start(pySender('::1', 443, how));
      await Promise.all([sent(v4), sent(v6)]);
      assert.ok(await until(() => warnings(v4.pid).length === 1 && warnings(v6.pid).length === 1), 'each said');
      for (const [p, ip, family] of [[v4, '127.0.0.1', 'inet'], [v6, '::1', 'inet6']] as const) {
        const events = connects(p.pid);
        assert.equal(events.length, 1, `one event for ${ip}, not one per datagram`);
        const { data, confidence } = events[0];
        assert.deepEqual({ ...data, src: undefined }, { fd: data.fd, family, dest: { ip, port: 443 }, success: true, protocol: 'udp', first_datagram: true, src: undefined });
        assert.ok(data.fd >= 3);
        assert.ok(data.src && data.src.port > 0, 'bound by its first send: its local port is known (its address is the wildcard)');
        assert.equal(confidence?.completeness, 'metadata_only');
        assert.equal(warnings(p.pid)[0].seen_by, 'first datagram');
      }
      assert.equal(settings.telemetry.counter('quic_flows'), before + 2);
    });
  }

  it('node dgram (libuv) to 127.0.0.1:443: said once', async () => {
    const p = start(nodeSender(443));
    await sent(p);
    assert.ok(await until(() => warnings(p.pid).length === 1));
    assert.deepEqual(connects(p.pid).map((e) => [e.data.protocol, e.data.dest.port, e.data.first_datagram]), [['udp', 443, true]]);
  });

  it('sendmmsg (batches of 10) to 127.0.0.1:443: said once, by its first message\'s address', async () => {
    const p = start(mmsgSender(443));
    await sent(p);
    assert.ok(await until(() => warnings(p.pid).length === 1));
    assert.deepEqual(connects(p.pid).map((e) => [e.data.protocol, e.data.dest, e.data.first_datagram, e.data.success]), [['udp', { ip: '127.0.0.1', port: 443 }, true, true]]);
  });

  it('the control: UDP to another port is not QUIC — no first-datagram event, no mark, not counted', async () => {
    const before = settings.telemetry.counter('quic_flows');
    const control = [pySender('127.0.0.1', 8443, 'sendto'), pySender('127.0.0.1', 8443, 'sendmsg'), pySender('127.0.0.1', 8443, 'connect'), nodeSender(8443), mmsgSender(8443)].map(start);
    await Promise.all(control.map(sent));
    // Something after them that is seen: the ring is in order, so theirs would have come first.
    const marker = start(pySender('127.0.0.1', 443, 'sendto'));
    await sent(marker);
    assert.ok(await until(() => warnings(marker.pid).length === 1));
    for (const p of control) assert.deepEqual(warnings(p.pid), []);
    const [sendto, sendmsg, connected, dgram, sendmmsg] = control.map((p) => connects(p.pid));
    assert.deepEqual([...sendto, ...sendmsg, ...dgram, ...sendmmsg], [], 'an unconnected socket to another port is not reported');
    assert.deepEqual(connected.map((e) => [e.data.protocol, e.data.dest.port, e.confidence?.completeness]), [['udp', 8443, undefined]], 'a UDP connect is a connect, unmarked');
    assert.equal(settings.telemetry.counter('quic_flows'), before + 1, 'only the marker');
  });

  it('TCP connects say protocol tcp', async () => {
    const p = start(spawn(PY, ['-c', `import socket, sys
try: socket.create_connection(('127.0.0.1', 9), timeout=2)
except OSError: pass
print('sent', flush=True)
sys.stdin.read()`], { stdio: ['pipe', 'pipe', 'inherit'] }));
    await sent(p);
    assert.ok(await until(() => connects(p.pid).length > 0));
    // (python's connect with a timeout is non-blocking: the call, then its outcome)
    assert.deepEqual(new Set(connects(p.pid).map((e) => JSON.stringify([e.data.protocol, e.data.dest.port, e.confidence?.completeness ?? null]))), new Set([JSON.stringify(['tcp', 9, null])]));
  });
});
