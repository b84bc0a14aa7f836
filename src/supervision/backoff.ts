/**
 * Exponential backoff for delayed restarts: `min · factor^attempt`, capped at `max`, spread by
 * ±`jitter` so that children that failed together do not restart in lockstep.
 */
import type { BackoffOptions } from './spec.js';

/** The delay in ms before restart number `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelay(attempt: number, options: Required<BackoffOptions>, random: () => number): number {
  const base = Math.min(options.max, options.min * Math.pow(options.factor, attempt));
  const spread = base * options.jitter * (2 * random() - 1);
  return Math.round(Math.min(options.max, Math.max(0, base + spread)));
}
