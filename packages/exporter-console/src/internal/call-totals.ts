// Calls, errors, tokens and cost per provider and model, for the summary at exit.
export interface Totals {
  calls: number;
  errors: number;
  input: number;
  output: number;
  /** Sum of known costs; `unpriced` counts calls without one (never guessed as zero). */
  cost: number;
  unpriced: number;
}

export class CallTotals {
  readonly #rows = new Map<string, Totals>();

  add(provider: string, model: string, r: { success: boolean; input?: number; output?: number; cost?: number }): void {
    const key = `${provider}\t${model}`;
    const t = this.#rows.get(key) ?? { calls: 0, errors: 0, input: 0, output: 0, cost: 0, unpriced: 0 };
    t.calls++;
    if (!r.success) t.errors++;
    t.input += r.input ?? 0;
    t.output += r.output ?? 0;
    if (r.cost !== undefined) t.cost += r.cost;
    else t.unpriced++;
    this.#rows.set(key, t);
  }

  rows(): [string, string, Totals][] {
    return [...this.#rows].map(([k, t]) => {
      const [provider, model] = k.split('\t');
      return [provider, model, t] as [string, string, Totals];
    });
  }
}
