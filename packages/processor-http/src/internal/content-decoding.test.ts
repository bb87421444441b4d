import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { decodeContent, parseContentEncoding } from './content-decoding.ts';
import { utf8Text } from './body-text.ts';

const text = Buffer.from('{"hello":"wörld"}'.repeat(50));

describe('decodeContent', () => {
  it('undoes gzip, deflate (zlib and raw), br and zstd', () => {
    const cases: [string, Buffer][] = [
      ['gzip', zlib.gzipSync(text)],
      ['deflate', zlib.deflateSync(text)],
      ['deflate', zlib.deflateRawSync(text)],
      ['br', zlib.brotliCompressSync(text)],
      ['zstd', zlib.zstdCompressSync(text)],
    ];
    for (const [coding, body] of cases) {
      const r = decodeContent(body, [coding], 1 << 20, false);
      assert.equal(r.error, undefined, coding);
      assert.equal(Buffer.from(r.bytes).toString(), text.toString(), coding);
    }
  });

  it('undoes stacked codings last-applied first', () => {
    const body = zlib.brotliCompressSync(zlib.gzipSync(text));
    const codings = parseContentEncoding(['gzip, identity', 'br']);
    assert.deepEqual(codings, ['gzip', 'br']);
    assert.equal(Buffer.from(decodeContent(body, codings, 1 << 20, false).bytes).toString(), text.toString());
  });

  it('decodes what there is of a cut body when asked to', () => {
    const gz = zlib.gzipSync(text);
    const cut = gz.subarray(0, Math.floor(gz.length / 2));
    assert.ok(decodeContent(cut, ['gzip'], 1 << 20, false).error);
    const partial = decodeContent(cut, ['gzip'], 1 << 20, true);
    assert.equal(partial.error, undefined);
    assert.ok(partial.bytes.length > 0 && text.subarray(0, partial.bytes.length).equals(partial.bytes));
  });

  it('stops a decompression bomb at the cap and keeps the raw body', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(10 << 20));
    const r = decodeContent(bomb, ['gzip'], 1 << 20, false);
    assert.equal(r.capped, true);
    assert.match(r.error!, /max_body_bytes/);
    assert.equal(r.bytes, bomb);
  });
});

describe('utf8Text', () => {
  it('rejects invalid UTF-8 and drops an incomplete last character of a cut body', () => {
    assert.equal(utf8Text(Buffer.from([0x61, 0xff]), false), undefined);
    const smile = Buffer.from('a\u{1F600}');
    assert.equal(utf8Text(smile.subarray(0, 3), true), 'a');
    assert.equal(utf8Text(smile.subarray(0, 3), false), undefined);
    assert.equal(utf8Text(smile, true), 'a\u{1F600}');
  });
});
