/**
 * Restart strategies as pure decisions: the strategy decides, the supervisor carries it out.
 * Given the children in start order and the one that exited, a plan lists which children to
 * stop (in stop order: reverse start order) and which to start again (in start order).
 */
import type { Strategy } from './spec.js';
import type { RestartType } from './child-template.js';

export interface RestartPlan {
  /** Children to stop first, in this order. */
  stop: string[];
  /** Children to start again after that, in this order (the exited child included). */
  start: string[];
}

/** Whether a child with this restart type is restarted after this kind of exit (OTP rules). */
export function shouldRestart(restart: RestartType, exit: 'normal' | 'crash'): boolean {
  switch (restart) {
    case 'permanent':
      return true;
    case 'transient':
      return exit === 'crash';
    case 'temporary':
      return false;
  }
}

/** The plan for restarting `failed` among `order` (child ids in start order) under `strategy`. */
export function planRestart(strategy: Strategy, order: readonly string[], failed: string): RestartPlan {
  const i = order.indexOf(failed);
  if (i < 0) throw new Error(`planRestart: unknown child ${failed}`);
  switch (strategy) {
    case 'one_for_one':
      return { stop: [], start: [failed] };
    case 'one_for_all':
      return { stop: order.filter((id) => id !== failed).reverse(), start: [...order] };
    case 'rest_for_one': {
      const rest = order.slice(i + 1);
      return { stop: [...rest].reverse(), start: [failed, ...rest] };
    }
  }
}
