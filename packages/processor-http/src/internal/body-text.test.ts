// Text or not, for a body without a Content-Type: valid UTF-8 with no control byte but tab and line ends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sniffText } from './body-text.ts';

describe('sniffText', () => {
  it('takes valid UTF-8 text, with tabs, line ends and multi-byte characters', () => {
    assert.equal(sniffText(Buffer.from('{"a":"wörld 漢字 🙂"}\r\n\tend'), false), '{"a":"wörld 漢字 🙂"}\r\n\tend');
  });

  it('refuses a control byte anywhere (NUL, ESC, DEL), and bytes that are not UTF-8', () => {
    for (const c of [0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f]) {
      const bytes = Buffer.from(`${'x'.repeat(5000)}?tail`);
      bytes[5000] = c;
      assert.equal(sniffText(bytes, false), undefined, `byte 0x${c.toString(16)}`);
    }
    assert.equal(sniffText(Buffer.from([0x61, 0xff, 0x62]), false), undefined);
  });

  it('reads a view inside a larger buffer, not the buffer around it', () => {
    const whole = Buffer.from('\x00\x00text\x00');
    assert.equal(sniffText(whole.subarray(2, 6), false), 'text');
  });

  it('drops a multi-byte character cut at the end of a truncated body', () => {
    const bytes = Buffer.from('ab€');
    assert.equal(sniffText(bytes.subarray(0, 3), true), 'ab');
    assert.equal(sniffText(bytes.subarray(0, 3), false), undefined);
  });
});
