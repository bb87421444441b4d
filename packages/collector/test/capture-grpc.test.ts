// gRPC captured for real: a @grpc/grpc-js client (its own process) calls a grpc-js server over TLS
// with gzip-compressed messages — a unary call and a server stream. The ebpf receiver and the http
// processor must give each call as an HTTP/2 exchange whose gRPC messages, decompressed and decoded
// with the same proto, are exactly what the client sent and received, with the status from the
// trailers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { Service, validateEvent, type HttpRequest, type HttpResponse, type OispEvent } from '@oisp/core';
import { callbackExporter, makeTestCert } from '@oisp/core/testing';
import { preflight } from '@oisp/receiver-ebpf';
import { startPipeline } from '../src/start-pipeline.ts';

const problems = preflight();
const skip = problems.length > 0 && process.env.CI !== 'true' ? problems.join('; ') : false;
const PROTO = resolve(import.meta.dirname, 'grpc/echo.proto');

type Note = { text: string; n: number; blob: string };

describe('gRPC capture through the Service', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oisp-capture-grpc-'));
  const { cert, key } = makeTestCert(dir);
  const captured: OispEvent[] = [];
  const NoteType = protobuf.loadSync(PROTO).lookupType('oisp.test.Note');
  let service: Service;
  let server: grpc.Server;
  let port = 0;

  before(async () => {
    assert.deepEqual(problems, []);
    // The server runs in this (excluded) process: only the client is captured.
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, { longs: Number, bytes: Buffer })) as any;
    server = new grpc.Server({ 'grpc.default_compression_algorithm': 2 });
    server.addService(pkg.oisp.test.Echo.service, {
      Say: (call: any, done: any) => done(null, { text: call.request.text.toUpperCase(), n: call.request.n + 1, blob: call.request.blob.subarray(0, 1000) }),
      Count: (call: any) => {
        for (let i = 1; i <= call.request.n; i++) call.write({ text: `${i} of ${call.request.n}`, n: i, blob: Buffer.alloc(i * 10_000, 48 + i) });
        call.end();
      },
    });
    port = await new Promise<number>((ok, fail) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(cert), private_key: readFileSync(key) }]), (err, p) => (err ? fail(err) : ok(p))),
    );
    const yaml = `receivers: { ebpf: {} }
processors: { http: {} }
exporters: { memory: {} }
service: { pipelines: { p: { receivers: [ebpf], processors: [http], exporters: [memory] } } }
`;
    service = await startPipeline({ yaml, dir, extra: [callbackExporter('memory', (b) => captured.push(...b))] });
  });

  after(async () => {
    await service?.shutdown();
    server?.forceShutdown();
  });

  const note = (data: string): Note => {
    const o = NoteType.toObject(NoteType.decode(Buffer.from(data, 'base64')), { longs: Number, bytes: String, defaults: true });
    return { text: o.text, n: o.n, blob: o.blob };
  };

  it('a unary call and a server stream, the client\'s messages gzip-compressed: every message exact, status from the trailers', async () => {
    const client = spawn(process.execPath, [resolve(import.meta.dirname, 'grpc/grpc-client.mjs'), `127.0.0.1:${port}`, cert], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    client.stdout!.on('data', (d) => (out += d));
    assert.equal((await once(client, 'exit'))[0], 0);
    const oracle = JSON.parse(out) as { sent: Record<string, Note>; got: { said: Note; counted: Note[] } };
    const mine = () => captured.filter((e) => e.process?.pid === client.pid && e.event_type.startsWith('http.'));
    for (let i = 0; i < 100 && mine().filter((e) => e.event_type === 'http.response').length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const events = mine();
    for (const e of events) assert.deepEqual(validateEvent(e).errors, [], e.event_type);
    const byMethod = (type: string, method: string) => {
      const found = events.filter((e) => e.event_type === type && (e.data as HttpRequest).grpc?.method === method);
      assert.equal(found.length, 1, `one ${type} for ${method}`);
      return found[0].data as HttpRequest & HttpResponse;
    };

    const sayReq = byMethod('http.request', 'Say');
    assert.equal(sayReq.http_version, '2');
    assert.deepEqual(sayReq.grpc, { service: 'oisp.test.Echo', method: 'Say', encoding: 'gzip' });
    assert.equal(sayReq.stream?.format, 'grpc');
    assert.deepEqual(sayReq.stream!.events.map((e) => note(e.data)), [oracle.sent.say], 'the request message, decompressed, exact');
    const sayRes = byMethod('http.response', 'Say');
    assert.deepEqual(sayRes.grpc, { service: 'oisp.test.Echo', method: 'Say', status: 0, message: sayRes.trailers!['grpc-message'][0] });
    assert.deepEqual(sayRes.stream!.events.map((e) => note(e.data)), [oracle.got.said], 'the reply, exact');

    const countRes = byMethod('http.response', 'Count');
    assert.deepEqual(countRes.stream!.events.map((e) => note(e.data)), oracle.got.counted, 'every streamed message, in order, exact');
    assert.equal(countRes.grpc?.status, 0);
    assert.equal(countRes.trailers?.['grpc-status']?.[0], '0');
    assert.ok(countRes.stream!.events.every((e) => e.error === undefined));
    assert.deepEqual(byMethod('http.request', 'Count').stream!.events.map((e) => note(e.data)), [oracle.sent.count]);
  });
});
