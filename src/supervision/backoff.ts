/**
 * Exponential backoff for delayed restarts: `min · factor^attempt`, capped at `max`, spread by
 * ±`jitter` so that children that failed together do not restart in lockstep.
 */
import type { BackoffOptions } from './spec.js';

/** The delay in ms before restart number `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelay(attempt: number, options: Required<BackoffOptions>, random: () => number): number {
  // min = 0 stays 0: factor^attempt may overflow to Infinity, and 0 * Infinity is NaN.
  const base = options.min === 0 ? 0 : Math.min(options.max, options.min * Math.pow(options.factor, attempt));
  const spread = base * options.jitter * (2 * random() - 1);
  return Math.round(Math.min(options.max, Math.max(0, base + spread)));
}
