import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { GrpcMessageParser, grpcCall } from './grpc-messages.ts';

function frame(message: Buffer, compressed = false): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed ? 1 : 0;
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

const messages = [Buffer.from('first message'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from([0, 1, 2, 255])];

describe('GrpcMessageParser', () => {
  it('reads length-prefixed messages split at every byte boundary', () => {
    const body = Buffer.concat(messages.slice(0, 2).concat(messages[3]).map((m) => frame(m)));
    for (let cut = 0; cut <= body.length; cut++) {
      const p = new GrpcMessageParser(undefined, 1 << 20);
      const got = [...p.push(body.subarray(0, cut)), ...p.push(body.subarray(cut)), ...p.end()];
      assert.deepEqual(got.map((e) => Buffer.from(e.data, 'base64')), [messages[0], messages[1], messages[3]], `cut at ${cut}`);
      assert.equal(p.heldBytes, 0);
    }
  });

  it('decompresses messages by grpc-encoding (gzip, deflate), each on its own', () => {
    for (const [encoding, compress] of [['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync]] as const) {
      const p = new GrpcMessageParser(encoding, 1 << 20);
      const body = Buffer.concat([frame(compress(messages[2]), true), frame(messages[0], false)]);
      const got = p.push(body);
      assert.deepEqual(got.map((e) => Buffer.from(e.data, 'base64')), [messages[2], messages[0]], encoding);
      assert.ok(got.every((e) => e.error === undefined));
    }
  });

  it('keeps a message it cannot decompress as sent, and says why', () => {
    const snappy = new GrpcMessageParser('snappy', 1 << 20).push(frame(Buffer.from('xx'), true));
    assert.deepEqual(Buffer.from(snappy[0].data, 'base64'), Buffer.from('xx'));
    assert.match(snappy[0].error!, /unsupported content-encoding "snappy"/);
    const none = new GrpcMessageParser(undefined, 1 << 20).push(frame(Buffer.from('yy'), true));
    assert.match(none[0].error!, /without a grpc-encoding/);
    const corrupt = new GrpcMessageParser('gzip', 1 << 20).push(frame(Buffer.from('not gzip'), true));
    assert.match(corrupt[0].error!, /^grpc-encoding gzip:/);
  });

  it('stops at bytes that are not a message boundary, naming the body offset; a body cut inside a message says so', () => {
    const p = new GrpcMessageParser(undefined, 1 << 20);
    const bad = Buffer.concat([frame(messages[0]), Buffer.from([7, 0, 0, 0, 1, 0])]);
    const got = p.push(bad);
    assert.equal(got.length, 2);
    assert.match(got[1].error!, /compressed flag 7 at body byte 18/);
    assert.deepEqual(p.push(frame(messages[0])), [], 'nothing more is read from a broken stream');
    const big = new GrpcMessageParser(undefined, 1000).push(frame(Buffer.alloc(1001)));
    assert.match(big[0].error!, /a 1001-byte message \(max_body_bytes 1000\) at body byte 0/);
    const cut = new GrpcMessageParser(undefined, 1 << 20);
    assert.deepEqual(cut.push(frame(messages[0]).subarray(0, 9)), []);
    assert.match(cut.end()[0].error!, /ended inside a message \(9 bytes after body byte 0\)/);
  });
});

describe('grpcCall', () => {
  it('service and method from the path, status and message from the trailers or a trailers-only response', () => {
    const path = '/google.ai.generativelanguage.v1beta.GenerativeService/GenerateContent';
    assert.deepEqual(grpcCall(path, { 'grpc-encoding': ['gzip'] }), { service: 'google.ai.generativelanguage.v1beta.GenerativeService', method: 'GenerateContent', encoding: 'gzip' });
    assert.deepEqual(grpcCall(path, {}, { 'grpc-status': ['0'] }), { service: 'google.ai.generativelanguage.v1beta.GenerativeService', method: 'GenerateContent', status: 0 });
    assert.deepEqual(grpcCall('/a.B/C', { 'grpc-status': ['3'], 'grpc-message': ['bad%20request%3A%20%E2%9C%93'] }), { service: 'a.B', method: 'C', status: 3, message: 'bad request: ✓' });
    assert.equal(grpcCall('/not-grpc', {}), undefined);
  });
});
