// What a recognizer says about one TLS stack in a binary.

export interface FoundFunction {
  /** The OpenSSL-API name it stands for (the BPF programs hooked on it are chosen by this). */
  symbol: string;
  /** Its entry, as a virtual address. */
  vaddr: number;
  /** The independent facts that agreed on it. */
  facts: string[];
}

export interface Recognized {
  /** The TLS stack, as `targets` names it. */
  stack: string;
  /** What to hook: empty when unsure. */
  functions: FoundFunction[];
  /** Why nothing is hooked (set when `functions` is empty). */
  unsure?: string;
  /** Optional functions not found, and other things worth saying. */
  notes?: string[];
  /** Bytes between the pointer the read hook names a connection by and the one the write hook does
   * (rustls: the received-plaintext buffer inside the CommonState); 0 when the same. */
  identityOffset?: number;
}
