// The host's process tree as the events tell it: exec gives a process its parent, exe and args;
// any event's envelope gives at least pid and ppid. Exited processes are kept (bounded) so a short
// tool's events that arrive after its exit are still placed.
export interface ProcessNode {
  pid: number;
  ppid?: number;
  exe?: string;
  args?: string[];
  name?: string;
  exited: boolean;
}

export class ProcessTree {
  readonly #nodes = new Map<number, ProcessNode>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#nodes.size;
  }

  get(pid: number): ProcessNode | undefined {
    return this.#nodes.get(pid);
  }

  /** Records what an event says of a process; a new exec (pid reuse) starts the node afresh. */
  observe(pid: number, facts: Partial<Omit<ProcessNode, 'pid' | 'exited'>>, exec = false): ProcessNode {
    let node = this.#nodes.get(pid);
    if (!node || exec) {
      node = { pid, exited: false, ...(node && !node.exited && exec ? { ppid: node.ppid } : {}) };
      this.#nodes.delete(pid);
      this.#nodes.set(pid, node);
      this.#bound();
    }
    if (facts.ppid !== undefined && facts.ppid > 0) node.ppid = facts.ppid;
    if (facts.exe) node.exe = facts.exe;
    if (facts.args) node.args = facts.args;
    if (facts.name) node.name = facts.name;
    return node;
  }

  exit(pid: number): void {
    const node = this.#nodes.get(pid);
    if (node) node.exited = true;
  }

  /** pid itself or an ancestor of it that `isRoot` accepts, nearest first. */
  findAncestor(pid: number, isRoot: (pid: number) => boolean): number | undefined {
    const seen = new Set<number>();
    for (let p: number | undefined = pid; p !== undefined && p > 0 && !seen.has(p); p = this.#nodes.get(p)?.ppid) {
      if (isRoot(p)) return p;
      seen.add(p);
    }
    return undefined;
  }

  /** Forget the oldest exited processes first, then the oldest of any. */
  #bound(): void {
    if (this.#nodes.size <= this.#max) return;
    for (const [pid, node] of this.#nodes) {
      if (this.#nodes.size <= this.#max * 0.9) return;
      if (node.exited) this.#nodes.delete(pid);
    }
    for (const pid of this.#nodes.keys()) {
      if (this.#nodes.size <= this.#max * 0.9) return;
      this.#nodes.delete(pid);
    }
  }
}
