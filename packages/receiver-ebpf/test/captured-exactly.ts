// One client's TLS exchange with tls-server.mjs, checked from its capture.data chunks alone: the
// request it sent and the response it got, byte for byte, once, contiguous, on one socket.
import assert from 'node:assert/strict';
import type { CaptureData, OispEvent } from '@oisp/core';

export interface Exchange {
  pid: number;
  /** The request path (`?json=1` asks tls-server.mjs for a JSON body). */
  path: string;
  exe: string;
  sentBody: Buffer;
  /** Response body bytes tls-server.mjs sends. */
  response: number;
  /** The server's port. */
  port: number;
}

export async function assertCapturedExactly(events: () => readonly OispEvent[], { pid, path, exe, sentBody, response, port }: Exchange): Promise<void> {
  const mine = (): OispEvent<'capture.data', CaptureData>[] =>
    (events() as OispEvent<'capture.data', CaptureData>[]).filter((e) => e.event_type === 'capture.data' && e.data.conn.pid === pid);
  const stream = (direction: 'egress' | 'ingress'): Buffer => {
    const chunks = mine().filter((e) => e.data.direction === direction).sort((a, b) => a.data.offset - b.data.offset);
    let at = 0;
    for (const c of chunks) {
      assert.equal(c.data.offset, at, `${direction}: chunk at ${c.data.offset} follows byte ${at} (no gap, no overlap)`);
      assert.equal(c.data.bytes_lost, undefined);
      at += c.data.data.length;
    }
    return Buffer.concat(chunks.map((c) => c.data.data));
  };
  // Chunks reach JS in batches a few ms apart: wait until the whole response (head and body) is here.
  const bodyBytes = (got: Buffer): number => (got.indexOf('\r\n\r\n') < 0 ? 0 : got.length - got.indexOf('\r\n\r\n') - 4);
  for (let i = 0; i < 100 && bodyBytes(stream('ingress')) < response; i++) await new Promise((r) => setTimeout(r, 50));

  const sent = stream('egress');
  const head = sent.subarray(0, sent.indexOf('\r\n\r\n') + 4).toString();
  assert.ok(head.startsWith(`POST ${path} HTTP/1.1\r\n`), `request line of ${JSON.stringify(head.slice(0, 80))}`);
  assert.match(head, new RegExp(`\\r\\nContent-Length: ${sentBody.length}\\r\\n`, 'i'));
  assert.ok(sent.subarray(head.length).equals(sentBody), 'the request body, byte for byte, once');

  const got = stream('ingress');
  const split = got.indexOf('\r\n\r\n') + 4;
  assert.match(got.subarray(0, split).toString(), /^HTTP\/1.1 200 OK\r\n/);
  assert.equal(got.length - split, response, 'the whole response body, once');
  const expected = path.includes('json=1') ? Buffer.from(`{"object":"test","data":"${'r'.repeat(response - 27)}"}`) : Buffer.alloc(response, 'r');
  assert.ok(got.subarray(split).equals(expected), 'the response body, byte for byte');

  assert.equal(new Set(mine().map((e) => e.data.conn.id)).size, 1, 'one connection');
  // The socket under it, found by the socket write inside (or just after) an SSL call: on every chunk.
  const sockets = new Set(mine().map((e) => JSON.stringify([e.data.conn.fd, e.data.conn.remote])));
  assert.equal(sockets.size, 1, `one socket on every chunk: ${[...sockets].join(' ')}`);
  assert.deepEqual(mine()[0].data.conn.remote, { ip: '127.0.0.1', port }, 'the server at the other end');
  assert.ok(Number.isInteger(mine()[0].data.conn.fd), 'its fd');
  const e = mine()[0];
  assert.equal(e.process?.exe, exe);
  assert.ok(Math.abs(Date.parse(e.ts) - Date.now()) < 60_000, `ts ${e.ts} is wall-clock time`);
}
