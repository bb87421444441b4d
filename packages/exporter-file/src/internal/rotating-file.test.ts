import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AppendError, RotatingFile } from './rotating-file.ts';
import { tempDirs } from './temp-dirs.ts';

const freshDir = tempDirs('oisp-rotating-');
const line = (i: number, width = 10) => `${String(i).padStart(width - 1, '0')}\n`; // `width` bytes with the newline

describe('RotatingFile', () => {
  it('creates new files with mode 0600 and keeps an existing file mode and content (append)', async () => {
    const dir = freshDir();
    const fresh = new RotatingFile({ path: join(dir, 'new.jsonl'), maxBytes: 0, maxBackups: 1 });
    await fresh.append(Buffer.from(line(1)));
    await fresh.close();
    assert.equal(statSync(join(dir, 'new.jsonl')).mode & 0o777, 0o600);

    writeFileSync(join(dir, 'old.jsonl'), line(0));
    chmodSync(join(dir, 'old.jsonl'), 0o640);
    const old = new RotatingFile({ path: join(dir, 'old.jsonl'), maxBytes: 0, maxBackups: 1 });
    await old.append(Buffer.from(line(1)));
    await old.close();
    assert.equal(readFileSync(join(dir, 'old.jsonl'), 'utf8'), line(0) + line(1));
    assert.equal(statSync(join(dir, 'old.jsonl')).mode & 0o777, 0o640);
  });

  it('rotates between lines: no file over the limit, path.1 newest, oldest removed beyond max_backups', async () => {
    const dir = freshDir();
    const path = join(dir, 'events.jsonl');
    const file = new RotatingFile({ path, maxBytes: 35, maxBackups: 2 }); // 3 lines of 10 bytes fit
    // 14 lines in batches of 4: a batch is split at the line where the limit falls.
    for (let i = 0; i < 14; i += 4) {
      let chunk = '';
      for (let j = i; j < Math.min(14, i + 4); j++) chunk += line(j);
      await file.append(Buffer.from(chunk));
    }
    await file.close();
    assert.deepEqual(readdirSync(dir).sort(), ['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']);
    assert.equal(file.rotations, 4);
    // Lines 0-2 and 3-5 were rotated away and removed; 6-8 is .2, 9-11 is .1, 12-13 current.
    assert.equal(readFileSync(`${path}.2`, 'utf8'), line(6) + line(7) + line(8));
    assert.equal(readFileSync(`${path}.1`, 'utf8'), line(9) + line(10) + line(11));
    assert.equal(readFileSync(path, 'utf8'), line(12) + line(13));
    for (const f of readdirSync(dir)) {
      assert.ok(statSync(join(dir, f)).size <= 35, `${f} over the limit`);
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} mode`);
    }
  });

  it('counts an existing file toward the limit', async () => {
    const dir = freshDir();
    const path = join(dir, 'events.jsonl');
    writeFileSync(path, line(0) + line(1) + line(2));
    const file = new RotatingFile({ path, maxBytes: 35, maxBackups: 3 });
    await file.append(Buffer.from(line(3)));
    await file.close();
    assert.equal(readFileSync(`${path}.1`, 'utf8'), line(0) + line(1) + line(2));
    assert.equal(readFileSync(path, 'utf8'), line(3));
  });

  it('puts a line bigger than the limit alone in a fresh file', async () => {
    const dir = freshDir();
    const path = join(dir, 'events.jsonl');
    const file = new RotatingFile({ path, maxBytes: 25, maxBackups: 5 });
    await file.append(Buffer.from(line(1) + line(2, 40) + line(3)));
    await file.close();
    assert.equal(readFileSync(`${path}.2`, 'utf8'), line(1));
    assert.equal(readFileSync(`${path}.1`, 'utf8'), line(2, 40));
    assert.equal(readFileSync(path, 'utf8'), line(3));
  });

  it('with max_backups 0 keeps only the current file', async () => {
    const dir = freshDir();
    const path = join(dir, 'events.jsonl');
    const file = new RotatingFile({ path, maxBytes: 20, maxBackups: 0 });
    for (let i = 0; i < 5; i++) await file.append(Buffer.from(line(i)));
    await file.close();
    assert.deepEqual(readdirSync(dir), ['events.jsonl']);
    assert.equal(readFileSync(path, 'utf8'), line(4));
  });

  it('throws AppendError (nothing written) when the path cannot be opened', async () => {
    const dir = freshDir();
    const file = new RotatingFile({ path: dir, maxBytes: 0, maxBackups: 1 }); // a directory
    await assert.rejects(file.append(Buffer.from(line(1))), (err: unknown) => err instanceof AppendError && err.bytesWritten === 0 && /EISDIR/.test(err.message));
    assert.ok(!existsSync(join(dir, '1')));
  });
});
