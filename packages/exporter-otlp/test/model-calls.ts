// Test support: `n` complete model calls (one span each), for delivery tests and benches.
import { createEvent, formatTimestamp, type OispEvent } from '@oisp/core';

const T0 = 1_764_000_000_000_000_000n;

/** `n` complete model calls: one span each. */
export function calls(n: number, from = 0): OispEvent[] {
  const out: OispEvent[] = [];
  for (let i = from; i < from + n; i++) {
    const ts = formatTimestamp(T0 + BigInt(i) * 1_000_000n);
    const provider = { name: 'openai', endpoint: 'api.openai.com' };
    out.push(
      createEvent('ai.request', { request_id: `q${i}`, provider, model: { id: 'gpt-4o-mini' }, request_type: 'chat', streaming: false }, { ts, process: { pid: 7 } }),
      createEvent('ai.response', { request_id: `q${i}`, provider, status_code: 200, success: true, latency_ms: 0.5 }, { ts, process: { pid: 7 } }),
    );
  }
  return out;
}

