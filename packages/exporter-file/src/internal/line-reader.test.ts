import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readLines } from './line-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'oisp-line-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every line with its number, and the too-long ones as `#n too long`. */
async function read(content: string | Buffer, chunkBytes: number, maxLineBytes = 1 << 20): Promise<string[]> {
  const path = join(dir, `f-${Math.random()}`);
  writeFileSync(path, content);
  const handle = await open(path, 'r');
  const out: string[] = [];
  try {
    for await (const item of readLines(handle, { chunkBytes, maxLineBytes })) {
      if ('tooLong' in item) out.push(`#${item.line} too long`);
      else item.lines.forEach((line, i) => out.push(`#${item.firstLine + i} ${line}`));
    }
  } finally {
    await handle.close();
  }
  return out;
}

describe('readLines', () => {
  const text = 'alpha\nbravo charlie\n\ndelta-é-ünïcode\nlast without newline';
  const expected = ['#1 alpha', '#2 bravo charlie', '#3 ', '#4 delta-é-ünïcode', '#5 last without newline'];

  it('yields every line with its number, whatever the read size (lines and UTF-8 split across reads)', async () => {
    for (const chunk of [1, 2, 3, 5, 7, 64, 1 << 16]) assert.deepEqual(await read(text, chunk), expected, `chunkBytes ${chunk}`);
  });

  it('reports a line longer than maxLineBytes by number and goes on with the next', async () => {
    const long = 'x'.repeat(50);
    const content = `a\n${long}\nb\n${long}\n${long}`;
    for (const chunk of [4, 16, 1024]) {
      assert.deepEqual(await read(content, chunk, 20), ['#1 a', '#2 too long', '#3 b', '#4 too long', '#5 too long'], `chunkBytes ${chunk}`);
    }
  });

  it('reads no further than end (a file that grows meanwhile)', async () => {
    const path = join(dir, 'growing');
    writeFileSync(path, 'one\ntwo\nthree\n');
    const handle = await open(path, 'r');
    const out: string[] = [];
    for await (const item of readLines(handle, { chunkBytes: 3, maxLineBytes: 100, end: 8 })) if (!('tooLong' in item)) out.push(...item.lines);
    await handle.close();
    assert.deepEqual(out, ['one', 'two']);
  });

  it('yields nothing for an empty file and one line for a lone newline', async () => {
    assert.deepEqual(await read('', 8), []);
    assert.deepEqual(await read('\n', 8), ['#1 ']);
  });
});
