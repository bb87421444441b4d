// Fuzzing the WebSocket layer on its own (the processor-wide fuzzer mostly breaks the HTTP head
// before a WebSocket starts): the frames of the recorded fixture and hand-made ones, mutated, cut
// at random, with gaps, with and without permessage-deflate, through the outbox that hands messages
// on at random batch ends and under a tight memory account. Whatever comes in: no exception, every
// message out has its direction and timestamp, every message completed comes out (kept, or counted
// in an error message), what is held stays in the account and goes back to zero. Seed printed; OISP_FUZZ_SEED=<n> replays, OISP_FUZZ_ITERATIONS=<n> scales (default 20,000).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { parseEvent, type CaptureData, type HttpHeaders, type OispEvent } from '@oisp/core';
import { seededRandom } from '@oisp/core/testing';
import { MemoryAccount } from './internal/memory-account.ts';
import { MessageDeflater, wsFrame } from './internal/websocket-frame-writer.ts';
import { OPCODE } from './internal/websocket-frames.ts';
import { WebSocketOutbox } from './internal/websocket-outbox.ts';
import { WebSocketSession, type Direction } from './internal/websocket-session.ts';

const ITERATIONS = Number(process.env.OISP_FUZZ_ITERATIONS ?? 20_000);
const SEED = Number(process.env.OISP_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Both directions of the recorded fixture after the handshake (compressed), and hand-made frames (plain). */
function corpus(): { frames: Record<Direction, Buffer>; deflate: boolean }[] {
  const file = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'testdata', 'websocket-responses', 'input.jsonl');
  const bytes: Record<Direction, Buffer[]> = { egress: [], ingress: [] };
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"capture.data"')) continue;
    const d = parseEvent(line).data as CaptureData;
    bytes[d.direction].push(Buffer.from(d.data));
  }
  const afterHead = (b: Buffer) => b.subarray(b.indexOf('\r\n\r\n') + 4);
  const recorded = { egress: afterHead(Buffer.concat(bytes.egress)), ingress: afterHead(Buffer.concat(bytes.ingress)) };
  const deflater = new MessageDeflater(true);
  const mask = [1, 2, 3, 4];
  const handmade = {
    egress: Buffer.concat([
      wsFrame(OPCODE.text, 'a', { fin: false, mask }), wsFrame(OPCODE.ping, 'p', { mask }), wsFrame(OPCODE.continuation, 'b', { mask }),
      wsFrame(OPCODE.binary, Buffer.alloc(300, 7), { mask }), wsFrame(OPCODE.close, Buffer.from([3, 232]), { mask }),
    ]),
    ingress: Buffer.concat([wsFrame(OPCODE.text, 'x'.repeat(70_000)), wsFrame(OPCODE.text, deflater.compress('{"z":1}'), { rsv1: true }), wsFrame(OPCODE.pong, '')]),
  };
  return [{ frames: recorded, deflate: true }, { frames: handmade, deflate: false }, { frames: handmade, deflate: true }];
}

function mutate(buf: Buffer, r: () => number): Buffer {
  const out = Buffer.from(buf);
  if (out.length === 0) return out;
  const kind = Math.floor(r() * 5);
  const at = Math.floor(r() * out.length);
  switch (kind) {
    case 0:
      for (let i = 0; i < 1 + Math.floor(r() * 4); i++) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
      return out;
    case 1:
      return Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + Math.floor(r() * 32)))]);
    case 2:
      return out.subarray(0, at);
    case 3: {
      const end = Math.min(out.length, at + 1 + Math.floor(r() * 200));
      return Buffer.concat([out.subarray(0, end), out.subarray(at, end), out.subarray(end)]);
    }
    default:
      return out;
  }
}

it(`websocket fuzz: ${ITERATIONS} mutated frame streams (seed ${SEED})`, { timeout: 600_000 }, () => {
  console.log(`websocket fuzz: seed ${SEED}, ${ITERATIONS} iterations (replay: OISP_FUZZ_SEED=${SEED})`);
  const r = seededRandom(SEED);
  const streams = corpus();
  const memory = new MemoryAccount(256 * 1024);
  const chunkEvent = { oisp_version: '0.1', event_id: 'fuzz', event_type: 'capture.data', ts: '2026-11-25T00:00:00Z', data: {} } as OispEvent;
  const conn = { id: 'fuzz', transport: 'tls' as const, generation: 0, pid: 1 };
  let messages = 0;
  const kinds = new Map<string, number>();
  for (let iter = 0; iter < ITERATIONS; iter++) {
    const template = streams[Math.floor(r() * streams.length)];
    const headers: HttpHeaders = template.deflate ? { 'sec-websocket-extensions': [r() < 0.5 ? 'permessage-deflate' : 'permessage-deflate; client_no_context_takeover'] } : {};
    const outbox = new WebSocketOutbox('fuzz:0', { event: chunkEvent, ts: chunkEvent.ts }, memory, () => {});
    let completed = 0;
    let handedOn = 0;
    const handOn = (end?: { aborted: boolean }) => {
      const event = outbox.take(conn, end);
      for (const m of event?.data.messages ?? []) {
        assert.ok(m.direction === 'egress' || m.direction === 'ingress');
        assert.ok(m.ts.length > 0, 'every message has a timestamp');
        assert.equal(typeof m.data, 'string');
        const notKept = /^(\d+) WebSocket messages not kept/.exec(m.error ?? '');
        handedOn += notKept ? Number(notKept[1]) : 1;
        kinds.set(m.event!, (kinds.get(m.event!) ?? 0) + 1);
      }
      if (end) assert.equal(event?.data.end, true, 'the WebSocket says it ended');
    };
    const session = new WebSocketSession<OispEvent>(r() < 0.9 ? 'egress' : 'ingress', headers, { maxMessageBytes: r() < 0.2 ? 512 : 64 * 1024, memory }, {
      message: (direction, m, origin) => {
        completed++;
        messages++;
        outbox.add(direction, m, origin);
      },
      count: () => {},
      error: () => {},
    });
    for (const direction of ['egress', 'ingress'] as const) {
      const bytes = r() < 0.15 ? template.frames[direction] : mutate(mutate(template.frames[direction], r), r);
      let pos = 0;
      let n = 0;
      while (pos < bytes.length) {
        const size = 1 + Math.floor(r() < 0.5 ? r() * 8 : r() * 3000);
        const origin = { event: chunkEvent, ts: `2026-11-25T00:00:00.${String(n++).padStart(9, '0')}Z` };
        if (r() < 0.02) session.gap(direction, size, origin);
        else session.feed(direction, bytes.subarray(pos, pos + size), origin);
        pos += size;
        assert.equal(memory.held, session.heldBytes + outbox.heldBytes, 'the account holds what the session and outbox say they hold');
        if (r() < 0.1) handOn(); // a batch ended
      }
    }
    session.finish();
    session.release();
    handOn({ aborted: true });
    assert.equal(handedOn, completed, 'every message completed was handed on, or counted as not kept');
    assert.equal(memory.held, 0, `memory let go (seed ${SEED}, iteration ${iter})`);
  }
  console.log(`websocket fuzz: ${messages} messages out, by kind ${JSON.stringify(Object.fromEntries(kinds))}, peak held ${memory.peak} B`);
  assert.ok((kinds.get('text') ?? 0) > ITERATIONS, 'the fuzzer reaches real messages, not only broken frames');
});
