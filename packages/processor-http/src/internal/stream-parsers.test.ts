import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonArrayParser, NdjsonParser, SseParser, type StreamParser } from './stream-parsers.ts';

/** Feed `text` to a fresh parser in pieces cut at `cuts`; returns events per piece. */
function feed(parser: StreamParser, text: string, cuts: number[] = []): string[][] {
  const bytes = Buffer.from(text);
  const points = [0, ...cuts, bytes.length];
  const out: string[][] = [];
  for (let i = 1; i < points.length; i++) out.push(parser.push(bytes.subarray(points[i - 1], points[i])).map((e) => JSON.stringify(e)));
  out.push(parser.end().map((e) => JSON.stringify(e)));
  return out;
}

describe('SseParser', () => {
  it('parses event, id (the event\'s own), multi-line data and comments; CRLF split across pieces', () => {
    const text = ':ping\r\nevent: a\r\nid: 1\r\ndata: x\r\ndata: y\r\n\r\ndata: z\n\n';
    const whole = feed(new SseParser(), text).flat();
    assert.deepEqual(whole.map((e) => JSON.parse(e)), [{ data: 'x\ny', event: 'a', id: '1' }, { data: 'z' }]);
    for (let k = 1; k < text.length; k++) assert.deepEqual(feed(new SseParser(), text, [k]).flat(), whole, `cut at ${k}`);
  });

  it('reports an event in the piece that completed it', () => {
    const text = 'data: one\n\ndata: two\n\n';
    const perPiece = feed(new SseParser(), text, [text.indexOf('data: two') + 3]);
    assert.equal(perPiece[0].length, 1);
    assert.equal(perPiece[1].length, 1);
  });

  it('does not dispatch an event without its blank line', () => {
    assert.deepEqual(feed(new SseParser(), 'data: partial\n').flat(), []);
  });

  it('decodes a UTF-8 character split across pieces', () => {
    const text = 'data: \u{1F600}\n\n';
    for (let k = 1; k < Buffer.byteLength(text); k++) {
      const p = new SseParser();
      const b = Buffer.from(text);
      const events = [...p.push(b.subarray(0, k)), ...p.push(b.subarray(k))];
      assert.deepEqual(events, [{ data: '\u{1F600}' }]);
    }
  });
});

describe('NdjsonParser', () => {
  it('emits one event per line, skips blank lines, keeps a last line without newline', () => {
    const events = feed(new NdjsonParser(), '{"a":1}\r\n\n{"b":2}\n{"c":3}', [3, 12]).flat().map((e) => JSON.parse(e).data);
    assert.deepEqual(events, ['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});

describe('JsonArrayParser', () => {
  it('emits each top-level element, whatever the cuts, strings with brackets and escapes included', () => {
    const text = '[{"t":"a ] } , \\" x"},\r\n[1,[2]],\n 3 , "s,]" ,{"u":{"v":[]}}]';
    const expected = ['{"t":"a ] } , \\" x"}', '[1,[2]]', '3', '"s,]"', '{"u":{"v":[]}}'];
    for (let k = 0; k <= text.length; k++) {
      const events = feed(new JsonArrayParser(), text, k === 0 ? [] : [k]).flat().map((e) => JSON.parse(e).data);
      assert.deepEqual(events, expected, `cut at ${k}`);
    }
  });
});
