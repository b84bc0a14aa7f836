/**
 * Retry delays. Delays are deterministic (no jitter) because each distinct delay is a delay-tier
 * queue on the broker (`arbor.<cluster>.retry.<ms>`): a fixed, small set of tiers keeps the queue
 * count bounded, and a per-queue TTL avoids the head-of-line blocking of per-message TTLs (a
 * message with a short TTL stuck behind one with a long TTL).
 */
import type { RetryBackoffOptions } from './options.js';

/** The delay before delivery attempt `attempt` (1 = the first retry): `min * factor^(attempt-1)`, capped at `max`. */
export function retryDelay(attempt: number, options: RetryBackoffOptions): number {
  const n = Math.max(1, Math.floor(attempt));
  const raw = options.min * Math.pow(options.factor, n - 1);
  return Math.round(Math.min(options.max, Number.isFinite(raw) ? raw : options.max));
}

/** The distinct delays used by attempts `1 .. maxAttempts - 1`, ascending: the tier queues to declare. */
export function retryTiers(maxAttempts: number, options: RetryBackoffOptions): number[] {
  const tiers = new Set<number>();
  for (let attempt = 1; attempt < maxAttempts; attempt++) tiers.add(retryDelay(attempt, options));
  return [...tiers].sort((a, b) => a - b);
}
