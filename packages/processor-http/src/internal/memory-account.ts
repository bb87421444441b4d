// One account of every byte the processor holds, so memory stays bounded under any input:
// each holder reserves before it keeps bytes and releases what it kept when it lets go.

export class MemoryAccount {
  readonly limit: number;
  #held = 0;
  #peak = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get held(): number {
    return this.#held;
  }

  get peak(): number {
    return this.#peak;
  }

  /** Reserve n bytes; false (and nothing reserved) when that would pass the limit. */
  reserve(n: number): boolean {
    if (this.#held + n > this.limit) return false;
    this.#held += n;
    if (this.#held > this.#peak) this.#peak = this.#held;
    return true;
  }

  release(n: number): void {
    this.#held -= n;
    if (this.#held < 0) throw new Error(`memory account went negative (${this.#held})`);
  }
}
