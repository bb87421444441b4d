import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { HpackDecoder } from './hpack-decoder.ts';

// Blocks encoded by an independent encoder (hpack.js's compressor), with Huffman and indexing.
const require = createRequire(import.meta.url);
const hpack = require('hpack.js');

function encoder() {
  const c = hpack.compressor.create({ table: { size: 4096 } });
  return (headers: [string, string][]): Buffer => {
    c.write(headers.map(([name, value]) => ({ name, value, huffman: true })));
    const chunks: Buffer[] = [];
    let chunk;
    while ((chunk = c.read())) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
}

const req = (n: number): [string, string][] => [[':method', 'POST'], [':path', '/v1/chat/completions'], [':authority', 'api.openai.com'], [':scheme', 'https'], ['authorization', 'Bearer sk-test'], ['x-seq', String(n)]];

describe('HpackDecoder', () => {
  it('decodes what an independent encoder wrote, dynamic table and all', () => {
    const encode = encoder();
    const d = new HpackDecoder();
    for (let n = 0; n < 5; n++) assert.deepEqual(d.decode(encode(req(n))), { headers: req(n), unresolved: 0 });
    assert.equal(d.partial, false);
  });

  it('joining mid-connection: entries it never saw are counted as unresolved, never misread', () => {
    const encode = encoder();
    encode(req(0)); // the encoder's table fills before we listen
    const d = new HpackDecoder(true);
    const first = d.decode(encode(req(1)));
    // authorization, :authority and :path were indexed in the encoder's table before we started.
    assert.ok(first.unresolved > 0);
    for (const [name, value] of first.headers) assert.ok(req(1).some(([n, v]) => n === name && v === value), `${name}: ${value} is right`);
    // An entry added under a name we never saw stays unresolved when referenced again...
    assert.deepEqual(d.decode(encode([['x-seq', '1']])), { headers: [], unresolved: 1 });
    // ...while entries added with names we know resolve, from their first reference on.
    assert.deepEqual(d.decode(encode([['x-new', 'v']])), { headers: [['x-new', 'v']], unresolved: 0 });
    assert.deepEqual(d.decode(encode([[':method', 'POST'], ['x-new', 'v']])), { headers: [[':method', 'POST'], ['x-new', 'v']], unresolved: 0 });
  });

  it('after reset (a lost header block) it flags instead of misreading', () => {
    const encode = encoder();
    const d = new HpackDecoder();
    d.decode(encode(req(0)));
    encode(req(1)); // lost: our table misses what it added
    d.reset();
    const after = d.decode(encode(req(1)));
    for (const [name, value] of after.headers) assert.ok(req(1).some(([n, v]) => n === name && v === value));
    assert.equal(after.headers.length + after.unresolved, req(1).length);
  });

  it('throws on malformed wire data (a truncated string)', () => {
    const block = encoder()([['x-long', 'a'.repeat(100)]]);
    assert.throws(() => new HpackDecoder().decode(block.subarray(0, block.length - 10)));
  });
});
