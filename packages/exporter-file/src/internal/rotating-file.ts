// An append-only file that rotates by size, like lumberjack / logrotate: when the next lines would
// take it past the limit, path.(N-1) -> path.N ... path -> path.1, the oldest beyond max_backups
// is removed, and a fresh path is created. New files get mode 0600 (events hold prompts and
// keys' fingerprints); an existing file keeps its mode; a missing folder is created (0700).
// Rotation happens only between lines.
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

const NEWLINE = 0x0a;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export interface RotatingFileOptions {
  path: string;
  /** Bytes; 0 = never rotate. */
  maxBytes: number;
  maxBackups: number;
}

export class RotatingFile {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #maxBackups: number;
  #handle: FileHandle | undefined;
  #size = 0;
  #tornLine = false;
  /** Rotations done (for telemetry and tests). */
  rotations = 0;

  constructor(options: RotatingFileOptions) {
    this.path = options.path;
    this.#maxBytes = options.maxBytes;
    this.#maxBackups = options.maxBackups;
  }

  get isOpen(): boolean {
    return this.#handle !== undefined;
  }

  /** Opens (creating with 0600, else appending). Throws the fs error. */
  async open(): Promise<void> {
    if (this.#handle) return;
    await mkdir(dirname(this.path), { recursive: true, mode: DIR_MODE });
    const handle = await open(this.path, 'a', FILE_MODE);
    try {
      this.#size = (await handle.stat()).size;
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
    this.#handle = handle;
  }

  /**
   * Appends whole lines (`chunk` ends with a newline). Rotates between lines as needed; a single
   * line longer than the limit goes alone into a fresh file. When it throws, the error is an
   * AppendError saying how many bytes of `chunk` made it (whole lines only count).
   */
  async append(chunk: Buffer): Promise<void> {
    let pos = 0;
    try {
      await this.open(); // the size of an existing file counts toward the limit
      if (this.#maxBytes <= 0 || this.#size + chunk.length <= this.#maxBytes) {
        await this.#write(chunk);
        return;
      }
      pos = await this.#appendRotating(chunk, (written) => (pos = written));
    } catch (err) {
      throw new AppendError(err, pos);
    }
  }

  async #appendRotating(chunk: Buffer, progress: (written: number) => void): Promise<number> {
    let pos = 0;
    while (pos < chunk.length) {
      const room = this.#maxBytes - this.#size;
      // The last newline that still fits: write up to it.
      let end = room > 0 ? chunk.lastIndexOf(NEWLINE, Math.min(chunk.length, pos + room) - 1) + 1 : 0;
      if (end <= pos) {
        if (this.#size > 0) {
          await this.rotate();
          continue;
        }
        end = chunk.indexOf(NEWLINE, pos) + 1; // one line bigger than the limit, alone in a fresh file
        if (end <= 0) end = chunk.length;
      }
      await this.#write(pos === 0 && end === chunk.length ? chunk : chunk.subarray(pos, end));
      pos = end;
      progress(pos);
    }
    return pos;
  }

  async #write(buffer: Buffer): Promise<void> {
    await this.open();
    if (this.#tornLine) {
      // An earlier write failed halfway through a line: end it, so what follows stays valid JSONL
      // (the torn line is one bad line a reader reports and skips).
      await this.#handle!.write('\n');
      this.#size += 1;
      this.#tornLine = false;
    }
    let offset = 0;
    try {
      while (offset < buffer.length) {
        const { bytesWritten } = await this.#handle!.write(buffer, offset, buffer.length - offset);
        offset += bytesWritten;
        this.#size += bytesWritten;
      }
    } catch (err) {
      if (offset > 0) this.#tornLine = true;
      throw err;
    }
  }

  /** path -> path.1, shifting older backups up and removing the ones beyond max_backups. */
  async rotate(): Promise<void> {
    await this.close();
    const backup = (n: number) => `${this.path}.${n}`;
    if (this.#maxBackups === 0) {
      await rm(this.path, { force: true });
    } else {
      await rm(backup(this.#maxBackups), { force: true });
      for (let n = this.#maxBackups - 1; n >= 1; n--) {
        if (await exists(backup(n))) await rename(backup(n), backup(n + 1));
      }
      await rename(this.path, backup(1));
    }
    this.#tornLine = false; // a fresh file
    this.rotations++;
    await this.open();
  }

  /** Pushes what was written to the disk. */
  async sync(): Promise<void> {
    await this.#handle?.sync();
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#size = 0;
    await handle?.close();
  }
}

/** A failed append: `cause` is the fs error, `bytesWritten` how much of the chunk was written whole. */
export class AppendError extends Error {
  readonly bytesWritten: number;

  constructor(cause: unknown, bytesWritten: number) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.bytesWritten = bytesWritten;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
