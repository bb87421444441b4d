// When to try a failed export again: exponential backoff with full jitter, or what the server's
// Retry-After says (seconds or an HTTP date), whichever is longer, capped at max_interval_ms.
export interface RetryConfig {
  initial_interval_ms: number;
  max_interval_ms: number;
}

export function backoffMs(attempt: number, config: RetryConfig, random = Math.random): number {
  const ceiling = Math.min(config.max_interval_ms, config.initial_interval_ms * 2 ** Math.min(attempt, 30));
  // Full jitter keeps many collectors from retrying in step after a shared outage.
  return Math.max(1, Math.round(ceiling * (0.5 + random() / 2)));
}

/** Retry-After in ms, or undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function nextDelayMs(attempt: number, config: RetryConfig, retryAfter: number | undefined): number {
  const backoff = backoffMs(attempt, config);
  return Math.min(config.max_interval_ms, retryAfter !== undefined ? Math.max(retryAfter, backoff) : backoff);
}
