/**
 * Result aggregation: what a supervisor makes of its children's results. Pure bookkeeping; the
 * supervisor asks for a verdict after each child exit and when its deadline passes.
 *
 * - `all`: done when every expected child has a result; `any`: at the first result;
 *   `quorum`: at `quorum` results.
 * - A child that fails for good (a crash that is not restarted): under `'fail'` the supervisor
 *   fails (`CHILD_FAILED`); under `'proceed'` the child is left out, and if the policy can no
 *   longer be met the supervisor fails (`QUORUM_UNREACHABLE`, or `CHILD_FAILED` for `any`).
 * - At the deadline, children without a result count as failed: `'fail'` gives
 *   `AGGREGATE_TIMEOUT`; `'proceed'` ends with what is there if the policy is then met.
 */
import { ArborError } from '../runtime/errors.js';
import type { NormalizedSupervisorSpec } from './spec.js';

export type Verdict = { type: 'pending' } | { type: 'done'; output: Record<string, unknown> } | { type: 'failed'; error: ArborError };

type AggregateSpec = NonNullable<NormalizedSupervisorSpec['aggregate']>;

export class Aggregator {
  /** Outputs of children that exited normally (the latest per child). */
  readonly results: Record<string, unknown> = {};
  private readonly failures = new Map<string, Error>();

  constructor(
    private readonly spec: AggregateSpec | undefined,
    private readonly supervisor: string,
  ) {}

  recordResult(id: string, output: unknown): void {
    this.results[id] = output;
    this.failures.delete(id);
  }

  recordFailure(id: string, error: Error): void {
    if (!(id in this.results)) this.failures.set(id, error);
  }

  /** A copy of the results, as the supervisor's output. */
  output(): Record<string, unknown> {
    return { ...this.results };
  }

  /** The verdict after an exit; `live` are the children still expected to produce a result. */
  verdict(live: readonly string[]): Verdict {
    const spec = this.spec;
    if (!spec) return { type: 'pending' };
    if (spec.onPartialFailure === 'fail' && this.failures.size > 0) {
      const [id, error] = this.failures.entries().next().value as [string, Error];
      return this.failed('CHILD_FAILED', `child ${id} of ${this.supervisor} failed: ${error.message}`, { child: id }, error);
    }
    const have = Object.keys(this.results).length;
    const need = this.needed(live);
    if (have >= need && need > 0) return { type: 'done', output: this.output() };
    const possible = have + live.filter((id) => !(id in this.results)).length;
    if (possible < Math.max(need, 1) && this.failures.size > 0) {
      const code = spec.policy === 'quorum' ? 'QUORUM_UNREACHABLE' : 'CHILD_FAILED';
      return this.failed(code, `${this.supervisor} cannot reach its '${spec.policy}' policy: ${have} result(s), ${this.failures.size} failure(s)`, {
        results: have,
        failures: [...this.failures.keys()],
      });
    }
    return { type: 'pending' };
  }

  /** The verdict at the deadline: children still without a result count as failed. */
  timedOut(live: readonly string[], timeout: number): Verdict {
    const spec = this.spec as AggregateSpec;
    const missing = live.filter((id) => !(id in this.results));
    const have = Object.keys(this.results).length;
    const message = `${this.supervisor} timed out after ${timeout} ms waiting for ${missing.join(', ') || 'results'}`;
    if (spec.onPartialFailure === 'fail') return this.failed('AGGREGATE_TIMEOUT', message, { missing, timeout });
    const need = spec.policy === 'all' ? 1 : spec.policy === 'any' ? 1 : spec.quorum;
    if (have >= need) return { type: 'done', output: this.output() };
    return this.failed('AGGREGATE_TIMEOUT', message, { missing, timeout });
  }

  private needed(live: readonly string[]): number {
    const spec = this.spec as AggregateSpec;
    if (spec.policy === 'any') return 1;
    if (spec.policy === 'quorum') return spec.quorum;
    const expected = new Set([...live, ...Object.keys(this.results)]);
    return expected.size;
  }

  private failed(code: 'CHILD_FAILED' | 'QUORUM_UNREACHABLE' | 'AGGREGATE_TIMEOUT', message: string, details: Record<string, unknown>, cause?: Error): Verdict {
    return { type: 'failed', error: new ArborError(code, message, { supervisor: this.supervisor, ...details }, { cause }) };
  }
}
