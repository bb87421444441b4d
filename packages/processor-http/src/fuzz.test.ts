// Fuzzing: random and mutated chunk sequences (seed printed; OISP_FUZZ_SEED=<n> replays a run,
// OISP_FUZZ_ITERATIONS=<n> scales it; default 100,000). Whatever comes in: no exception, the memory
// account never passes its bound (and is back to zero after shutdown), every emitted event is
// schema-valid, and no internal error was counted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { formatTimestamp, parseEvent, validateEvent, type CaptureData, type OispEvent } from '@oisp/core';
import { createTestSettings, seededRandom } from '@oisp/core/testing';
import { createDefaultConfig, type HttpProcessorConfig } from './config.ts';
import { HttpProcessor } from './http-processor.ts';

const ITERATIONS = Number(process.env.OISP_FUZZ_ITERATIONS ?? 100_000);
const SEED = Number(process.env.OISP_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Both directions of every connection in the fixtures: real HTTP to mutate. */
function corpus(): { egress: Buffer; ingress: Buffer }[] {
  const testdata = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'testdata');
  const streams = new Map<string, { egress: Buffer[]; ingress: Buffer[] }>();
  for (const dir of fs.readdirSync(testdata)) {
    const file = path.join(testdata, dir, 'input.jsonl');
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes('"capture.data"')) continue;
      const d = parseEvent(line).data as CaptureData;
      const s = streams.get(d.conn.id) ?? { egress: [], ingress: [] };
      streams.set(d.conn.id, s);
      s[d.direction].push(Buffer.from(d.data));
    }
  }
  return [...streams.values()].map((s) => ({ egress: Buffer.concat(s.egress), ingress: Buffer.concat(s.ingress) }));
}

const PIECES = [
  'HTTP/1.1 200 OK\r\n', 'GET / HTTP/1.1\r\n', 'POST /v1/x HTTP/1.1\r\n', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n',
  'Content-Encoding: gzip\r\n', 'Content-Type: text/event-stream\r\n', 'Content-Type: application/json\r\n', '\r\n', '\r\n\r\n',
  'fffffff\r\n', '0\r\n\r\n', 'data: x\n\n', 'HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', '[{"a":', '"\\"]}', ':\n',
  'Content-Length: 99999999\r\n', 'Content-Length: -1\r\n', 'X: ' + 'y'.repeat(3000) + '\r\n', 'HEAD / HTTP/1.1\r\n', 'PRI * HTTP/2.0\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n',
].map((s) => Buffer.from(s)).concat([
  // WebSocket frame headers: fragments, compressed, control, 16- and 64-bit lengths, a mask.
  [0x01, 0x03], [0x80, 0x02], [0xc1, 0x05], [0x89, 0x00], [0x88, 0x02, 0x03, 0xe8], [0x81, 0x7e, 0xff, 0xff], [0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0],
  [0x81, 0x85, 1, 2, 3, 4], [0x8a, 0x7e, 0x00, 0x80],
].map((b) => Buffer.from(b)));

function mutate(buf: Buffer, r: () => number): Buffer {
  const out = Buffer.from(buf);
  const kind = Math.floor(r() * 6);
  const n = 1 + Math.floor(r() * 4);
  if (out.length === 0) return Buffer.concat([out, PIECES[Math.floor(r() * PIECES.length)]]);
  switch (kind) {
    case 0: // flip bytes
      for (let i = 0; i < n; i++) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
      return out;
    case 1: {
      // splice in an HTTP-ish piece
      const at = Math.floor(r() * out.length);
      return Buffer.concat([out.subarray(0, at), PIECES[Math.floor(r() * PIECES.length)], out.subarray(at)]);
    }
    case 2: {
      // delete a range
      const at = Math.floor(r() * out.length);
      return Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + Math.floor(r() * 64)))]);
    }
    case 3: // truncate
      return out.subarray(0, Math.floor(r() * out.length));
    case 4: {
      // duplicate a range
      const at = Math.floor(r() * out.length);
      const end = Math.min(out.length, at + 1 + Math.floor(r() * 200));
      return Buffer.concat([out.subarray(0, end), out.subarray(at, end), out.subarray(end)]);
    }
    default:
      return out;
  }
}

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

it(`fuzz: ${ITERATIONS} random and mutated chunk sequences (seed ${SEED})`, { timeout: 600_000 }, async () => {
  console.log(`processor-http fuzz: seed ${SEED}, ${ITERATIONS} iterations (replay: OISP_FUZZ_SEED=${SEED})`);
  const r = seededRandom(SEED);
  const streams = corpus();
  const config: HttpProcessorConfig = {
    ...createDefaultConfig(),
    max_body_bytes: 32 * 1024,
    max_header_bytes: 2048,
    max_connections: 8,
    idle_timeout_ms: 500,
    max_buffered_bytes: 48 * 1024,
  };
  const settings = createTestSettings('http');
  let emitted = 0;
  let invalid: string | undefined;
  const sink = {
    async consume(batch: OispEvent[]) {
      for (const e of batch) {
        if (!e.event_type.startsWith('http.')) continue;
        emitted++;
        if (invalid === undefined) {
          const v = validateEvent(e);
          if (!v.valid) invalid = `${JSON.stringify(v).slice(0, 2000)} in ${JSON.stringify(e).slice(0, 2000)}`;
        }
      }
    },
  };
  const processor = new HttpProcessor(settings, config, sink);
  let ns = 1_764_000_000_000_000_000n;
  const conn = (id: string) => ({ id, transport: 'tls' as const, generation: 0, pid: 1 });
  let batch: OispEvent[] = [];
  const flush = async () => {
    await processor.consume(batch);
    batch = [];
    assert.ok(processor.bufferedBytes <= config.max_buffered_bytes, `memory account ${processor.bufferedBytes} over its bound`);
    assert.equal(processor.bufferedBytes, processor.heldBytesByConnections(), 'the account matches what the connections hold');
  };
  for (let iter = 0; iter < ITERATIONS; iter++) {
    // Mostly new connections; some ids come back (a connection reused before or after its close).
    const id = r() < 0.1 ? `f${iter % 13}` : `f${iter}`;
    const c = conn(id);
    const template = streams[Math.floor(r() * streams.length)];
    const mode = r();
    let egress: Buffer;
    let ingress: Buffer;
    if (mode < 0.05) {
      // A big body that fills memory: several of these stay open at once.
      const size = 20_000 + Math.floor(r() * 80_000);
      egress = Buffer.from('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
      ingress = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${size}\r\n\r\n`), Buffer.alloc(size, 97)]);
    } else if (mode < 0.15) {
      egress = randomBytes(r, Math.floor(r() * 200));
      ingress = randomBytes(r, Math.floor(r() * 200));
    } else if (mode < 0.35) {
      egress = template.egress;
      ingress = template.ingress;
    } else {
      egress = mutate(template.egress, r);
      ingress = mutate(template.ingress, r);
      if (r() < 0.3) ingress = mutate(ingress, r);
    }
    const chunks: OispEvent[] = [];
    for (const [direction, bytes] of [['egress', egress], ['ingress', ingress]] as const) {
      let pos = 0;
      while (pos < bytes.length) {
        const size = 1 + Math.floor(r() < 0.5 ? r() * 16 : r() * 2000);
        const piece = bytes.subarray(pos, pos + size);
        pos += piece.length;
        const roll = r();
        if (roll < 0.03) continue; // lost: the offset jumps
        // Some chunks land past a hole (offset jump), some say bytes were lost before them.
        const data: CaptureData = { conn: c, direction, offset: pos - piece.length + (roll > 0.98 ? 1000 : 0), data: new Uint8Array(piece) };
        if (roll > 0.97 && roll <= 0.98) data.bytes_lost = Math.floor(r() * 100);
        chunks.push({ oisp_version: '0.1', event_id: String(iter), event_type: 'capture.data', ts: formatTimestamp(ns), data });
        ns += BigInt(Math.floor(r() * 3_000_000));
      }
    }
    // Usually in order per direction but interleaved; sometimes shuffled within the batch.
    if (r() < 0.2) for (let i = chunks.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [chunks[i], chunks[j]] = [chunks[j], chunks[i]];
    }
    else chunks.sort((a, b) => (a.data.direction === b.data.direction ? a.data.offset - b.data.offset : r() - 0.5));
    for (const ch of chunks) {
      batch.push(ch);
      if (r() < 0.1) await flush();
    }
    if (r() < (mode < 0.05 ? 0.2 : 0.8)) batch.push({ oisp_version: '0.1', event_id: `close${iter}`, event_type: 'capture.close', ts: formatTimestamp(ns), data: { conn: c } });
    if (r() < 0.02) batch.push({ oisp_version: '0.1', event_id: `other${iter}`, event_type: 'process.exit', ts: formatTimestamp(ns), data: { exit_code: 0 } });
    if (r() < 0.5 || batch.length > 200) await flush();
    assert.equal(invalid, undefined, `invalid event (seed ${SEED}, iteration ${iter})`);
  }
  await flush();
  await processor.shutdown();
  assert.equal(invalid, undefined, `invalid event (seed ${SEED})`);
  assert.equal(processor.bufferedBytes, 0, 'memory account back to zero once everything is closed');
  assert.equal(settings.telemetry.errorCount('internal_error'), 0, 'no bug of ours was caught by the guard');
  const errors = settings.telemetry.counts().errors;
  console.log(`processor-http fuzz: ${emitted} http events out, peak buffered ${processor.peakBufferedBytes} B, errors ${JSON.stringify(errors)}`);
  assert.ok(emitted > ITERATIONS / 10, 'the fuzzer produces real HTTP too, not only garbage');
});
