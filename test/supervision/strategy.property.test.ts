/**
 * Properties of the pure parts of supervision: the restart plan and restart decision, restart
 * intensity, backoff, spec validation and result aggregation.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { supervisor } from '../../src/index.js';
import type { AggregatePolicy, BackoffOptions, RestartType, Strategy } from '../../src/index.js';
import { planRestart, shouldRestart } from '../../src/supervision/strategy.js';
import { RestartIntensity } from '../../src/supervision/restart-intensity.js';
import { backoffDelay } from '../../src/supervision/backoff.js';
import { Aggregator } from '../../src/supervision/aggregate.js';
import type { NormalizedSupervisorSpec } from '../../src/supervision/spec.js';
import { controllableWorker } from '../support/machines.js';

const strategyArb = fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one');
const restartArb = fc.constantFrom<RestartType>('permanent', 'transient', 'temporary');

/** Child ids in start order and the index of the one that exited. */
const orderAndFailed = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 })
  .chain((order) => fc.tuple(fc.constant(order), fc.nat({ max: order.length - 1 })));

/** `ids` in the relative order they have in `order`. */
function inOrderOf(order: readonly string[], ids: readonly string[]): string[] {
  return order.filter((id) => ids.includes(id));
}

describe('planRestart', () => {
  it('stops children in reverse start order and starts them in start order, the exited child always among those started', () => {
    fc.assert(
      fc.property(strategyArb, orderAndFailed, (strategy, [order, i]) => {
        const failed = order[i] as string;
        const plan = planRestart(strategy, order, failed);
        expect(plan.stop).toEqual(inOrderOf(order, plan.stop).reverse());
        expect(plan.start).toEqual(inOrderOf(order, plan.start));
        expect(new Set(plan.start).size).toBe(plan.start.length);
        expect(plan.start).toContain(failed);
        // The exited child is already down: nothing to stop, and every stopped child comes back.
        expect(plan.stop).not.toContain(failed);
        for (const id of plan.stop) expect(plan.start).toContain(id);
      }),
    );
  });

  it('touches nothing but the exited child under one_for_one', () => {
    fc.assert(
      fc.property(orderAndFailed, ([order, i]) => {
        expect(planRestart('one_for_one', order, order[i] as string)).toEqual({ stop: [], start: [order[i]] });
      }),
    );
  });

  it('never touches the children before the exited one under rest_for_one, and takes every child after it', () => {
    fc.assert(
      fc.property(orderAndFailed, ([order, i]) => {
        const plan = planRestart('rest_for_one', order, order[i] as string);
        for (const id of order.slice(0, i)) {
          expect(plan.stop).not.toContain(id);
          expect(plan.start).not.toContain(id);
        }
        expect(plan.start).toEqual(order.slice(i));
      }),
    );
  });

  it('stops every other child and starts every child under one_for_all', () => {
    fc.assert(
      fc.property(orderAndFailed, ([order, i]) => {
        const plan = planRestart('one_for_all', order, order[i] as string);
        expect(plan.start).toEqual(order);
        expect([...plan.stop].sort()).toEqual(order.filter((_, j) => j !== i).sort());
      }),
    );
  });

  it('refuses to plan for a child that is not among the children', () => {
    fc.assert(
      fc.property(strategyArb, orderAndFailed, (strategy, [order]) => {
        expect(() => planRestart(strategy, order, `${order.join('')}?`)).toThrow();
      }),
    );
  });
});

describe('shouldRestart', () => {
  it('restarts permanent children always, transient ones only after a crash, temporary ones never', () => {
    fc.assert(
      fc.property(restartArb, fc.constantFrom<'normal' | 'crash'>('normal', 'crash'), (restart, exit) => {
        const expected = { permanent: true, transient: exit === 'crash', temporary: false }[restart];
        expect(shouldRestart(restart, exit)).toBe(expected);
      }),
    );
  });
});

describe('RestartIntensity', () => {
  /** Non-decreasing restart times. */
  const times = fc.array(fc.nat({ max: 40 }), { maxLength: 30 }).map((gaps) => {
    let t = 0;
    return gaps.map((g) => (t += g));
  });
  const limits = fc.record({ intensity: fc.nat({ max: 5 }), period: fc.integer({ min: 1, max: 100 }) });

  it('refuses exactly the restart that makes more than intensity restarts within a period, as add_restart does', () => {
    fc.assert(
      fc.property(limits, times, ({ intensity, period }, ts) => {
        const stats = new RestartIntensity(intensity, period);
        let window: number[] = []; // reference model: OTP's add_restart/3
        for (const now of ts) {
          window = [...window.filter((t) => t >= now - period), now];
          expect(stats.add(now)).toBe(window.length <= intensity);
          expect(stats.count(now)).toBe(window.length);
        }
      }),
    );
  });

  it('never allows more than intensity restarts within any window of period ms', () => {
    fc.assert(
      fc.property(limits, times, ({ intensity, period }, ts) => {
        const stats = new RestartIntensity(intensity, period);
        const allowed: number[] = [];
        for (const now of ts) {
          if (!stats.add(now)) break; // a supervisor gives up at the first refusal
          allowed.push(now);
        }
        for (const end of allowed) {
          expect(allowed.filter((t) => t >= end - period && t <= end).length).toBeLessThanOrEqual(intensity);
        }
      }),
    );
  });

  it('allows a restart again once a whole period has passed since the last one, whatever came before', () => {
    fc.assert(
      fc.property(limits, times, ({ intensity, period }, ts) => {
        const stats = new RestartIntensity(intensity, period);
        for (const now of ts) stats.add(now);
        const later = (ts.at(-1) ?? 0) + period + 1;
        expect(stats.count(later)).toBe(0);
        expect(stats.add(later)).toBe(intensity >= 1);
      }),
    );
  });
});

describe('backoffDelay', () => {
  const optionsArb: fc.Arbitrary<Required<BackoffOptions>> = fc
    .record({
      min: fc.integer({ min: 1, max: 1000 }),
      extra: fc.integer({ min: 0, max: 10_000 }),
      factor: fc.double({ min: 1, max: 4, noNaN: true }),
      jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ min, extra, factor, jitter }) => ({ min, max: min + extra, factor, jitter, resetAfter: 30_000 }));
  const attemptArb = fc.oneof(fc.nat({ max: 40 }), fc.nat({ max: 5000 }));
  const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
  const base = (attempt: number, o: Required<BackoffOptions>) => Math.min(o.max, o.min * Math.pow(o.factor, attempt));

  it('stays within [0, max] and within ±jitter of the exponential base (up to rounding)', () => {
    fc.assert(
      fc.property(optionsArb, attemptArb, randomArb, (options, attempt, r) => {
        const delay = backoffDelay(attempt, options, () => r);
        const b = base(attempt, options);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(options.max);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(b * (1 - options.jitter)) - 1);
        expect(delay).toBeLessThanOrEqual(Math.ceil(b * (1 + options.jitter)) + 1);
      }),
    );
  });

  it('never decreases from one attempt to the next when jitter is 0', () => {
    fc.assert(
      fc.property(optionsArb, attemptArb, randomArb, (options, attempt, r) => {
        const o = { ...options, jitter: 0 };
        expect(backoffDelay(attempt, o, () => r)).toBeLessThanOrEqual(backoffDelay(attempt + 1, o, () => r));
        expect(backoffDelay(0, o, () => r)).toBe(o.min);
      }),
    );
  });

  // Regression: `factor ** attempt` overflowing to Infinity once made `0 * Infinity` a NaN delay,
  // a timer that never fired on the SimulatedClock.
  it('gives a delay of 0 for min 0, however many attempts came before', () => {
    const options = { min: 0, max: 100, factor: 2, jitter: 0, resetAfter: 30_000 };
    expect(backoffDelay(2000, options, () => 0.5)).toBe(0);
    expect(backoffDelay(2, { ...options, factor: 1e300 }, () => 0.5)).toBe(0);
  });
});

describe('spec validation', () => {
  const child = (extra: Record<string, unknown> = {}) => ({ id: 'w', logic: controllableWorker, ...extra });

  /** `supervisor(options)` must throw INVALID_SPEC naming `field` in its message. */
  function expectInvalid(options: unknown, field: string): void {
    let error: unknown;
    try {
      supervisor(options as Parameters<typeof supervisor>[0]);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'INVALID_SPEC', field });
    expect((error as Error).message).toContain(field);
  }

  /** Anything but the values in `good` (and `undefined`, which means the default). */
  const anyBut = (good: readonly unknown[]) =>
    fc
      .oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.object(), fc.array(fc.nat(), { maxLength: 2 }))
      .filter((v) => v !== undefined && !good.includes(v));

  /** Values `??` would mistake for "absent": `null` is a bad value, not a default (see the failing test below). */
  const notNull = (arb: fc.Arbitrary<unknown>) => arb.filter((v) => v !== null);

  it('rejects a bad strategy naming the field', () => {
    fc.assert(fc.property(notNull(anyBut(['one_for_one', 'one_for_all', 'rest_for_one'])), (strategy) => expectInvalid({ strategy }, 'strategy')));
  });

  it('rejects an intensity that is not an integer >= 0 naming the field', () => {
    const bad = fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), notNull(anyBut([])).filter((v) => typeof v !== 'number'));
    fc.assert(fc.property(bad, (intensity) => expectInvalid({ intensity }, 'intensity')));
  });

  it('rejects a period that is not a finite number of ms > 0 naming the field', () => {
    const bad = fc.oneof(fc.double({ max: 0 }), fc.constantFrom(Infinity, NaN), fc.string(), fc.boolean());
    fc.assert(fc.property(bad, (period) => expectInvalid({ period }, 'period')));
  });

  it('rejects a child restart type that is not permanent, transient or temporary naming the field', () => {
    fc.assert(
      fc.property(notNull(anyBut(['permanent', 'transient', 'temporary'])), fc.nat({ max: 3 }), (restart, i) => {
        const children = [...Array.from({ length: i }, (_, j) => child({ id: `ok${j}` })), child({ restart })];
        expectInvalid({ children }, `children[${i}].restart`);
      }),
    );
  });

  it('rejects a child shutdown that is not ms, brutal_kill or infinity naming the field', () => {
    const bad = fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string().filter((s) => s !== 'brutal_kill' && s !== 'infinity'), fc.constant(null), fc.boolean());
    fc.assert(fc.property(bad, (shutdown) => expectInvalid({ children: [child({ shutdown })] }, 'children[0].shutdown')));
  });

  it('rejects a duplicate child id naming the field of the second one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.nat({ max: 3 }), (n, k) => {
        const children = Array.from({ length: n }, (_, j) => child({ id: `c${j}` }));
        children.push(child({ id: `c${k % n}` }));
        expectInvalid({ children }, `children[${n}].id`);
      }),
    );
  });

  it('rejects a child without logic (and without kind) naming the field', () => {
    fc.assert(
      fc.property(fc.nat({ max: 3 }), (i) => {
        const children = [...Array.from({ length: i }, (_, j) => child({ id: `ok${j}` })), { id: 'bare' }];
        expectInvalid({ children }, `children[${i}].logic`);
      }),
    );
  });

  it('rejects a significant permanent child under any autoShutdown naming the field', () => {
    fc.assert(
      fc.property(fc.constantFrom('never', 'any_significant', 'all_significant'), (autoShutdown) => {
        expectInvalid({ autoShutdown, children: [child({ significant: true, restart: 'permanent' })] }, 'children[0].significant');
      }),
    );
  });

  it('accepts every combination of valid values', () => {
    fc.assert(
      fc.property(
        strategyArb,
        fc.nat({ max: 10 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.record({ restart: restartArb, shutdown: fc.oneof(fc.nat(), fc.constantFrom('brutal_kill' as const, 'infinity' as const)) }), { maxLength: 4 }),
        (strategy, intensity, period, specs) => {
          const children = specs.map((s, i) => child({ id: `c${i}`, ...s }));
          expect(supervisor({ strategy, intensity, period, children }).spec).toMatchObject({ strategy, intensity, period });
        },
      ),
    );
  });

  // Regression: fields were once defaulted with `??`, so an explicit `null` (e.g. from a JSON
  // config) silently meant "use the default" instead of failing like any other bad value.
  it('rejects null for a field as a bad value, not as the default', () => {
    for (const field of ['strategy', 'intensity', 'period', 'autoShutdown', 'children']) expectInvalid({ [field]: null }, field);
    expectInvalid({ children: [child({ restart: null })] }, 'children[0].restart');
    expectInvalid({ children: [child({ significant: null })] }, 'children[0].significant');
    expectInvalid({ aggregate: { policy: null } }, 'aggregate.policy');
    expectInvalid({ aggregate: { onPartialFailure: null } }, 'aggregate.onPartialFailure');
  });
});

describe('Aggregator', () => {
  type Op = { kind: 'result' | 'failure' | 'stop'; child: number };
  const opArb: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom('result' as const, 'failure' as const, 'stop' as const), child: fc.nat({ max: 4 }) });
  const specArb = fc.record({
    policy: fc.constantFrom<AggregatePolicy>('all', 'any', 'quorum'),
    quorum: fc.integer({ min: 1, max: 5 }),
    onPartialFailure: fc.constantFrom('fail' as const, 'proceed' as const),
  });
  type Spec = NonNullable<NormalizedSupervisorSpec['aggregate']>;

  /**
   * Plays `ops` on an aggregator over children c0..c(n-1): a result, a failure for good, or the
   * child leaving the live set without either (terminated). Returns what it saw after each op.
   */
  function play(spec: Spec | undefined, n: number, ops: readonly Op[], check: (verdict: ReturnType<Aggregator['verdict']>, state: { results: Map<string, number>; failed: Set<string>; live: string[] }) => void): void {
    const agg = new Aggregator(spec, 'arbor://n/sup');
    const results = new Map<string, number>();
    const failed = new Set<string>();
    let live = Array.from({ length: n }, (_, i) => `c${i}`);
    ops.forEach((op, step) => {
      const id = `c${op.child % n}`;
      if (op.kind === 'result') {
        agg.recordResult(id, step);
        results.set(id, step);
        failed.delete(id);
      } else if (op.kind === 'failure' && !results.has(id)) {
        agg.recordFailure(id, new Error(`${id} failed`));
        failed.add(id);
      }
      if (op.kind !== 'result') live = live.filter((l) => l !== id);
      check(agg.verdict(live), { results, failed, live });
    });
  }

  const nArb = fc.integer({ min: 1, max: 5 });
  const opsArb = fc.array(opArb, { maxLength: 12 });

  it('stays pending whatever happens when there is no aggregate option', () => {
    fc.assert(fc.property(nArb, opsArb, (n, ops) => play(undefined, n, ops, (v) => expect(v).toEqual({ type: 'pending' }))));
  });

  it('fails with CHILD_FAILED as soon as a child fails for good under onPartialFailure fail', () => {
    fc.assert(
      fc.property(specArb, nArb, opsArb, (s, n, ops) => {
        const spec: Spec = { ...s, onPartialFailure: 'fail', quorum: s.policy === 'quorum' ? s.quorum : 1, timeout: undefined };
        play(spec, n, ops, (v, { failed }) => {
          if (failed.size > 0) expect(v).toMatchObject({ type: 'failed', error: { code: 'CHILD_FAILED' } });
          else expect(v.type).not.toBe('failed');
        });
      }),
    );
  });

  /**
   * The verdict the aggregate.ts doc promises: under 'fail' any failure fails; otherwise done once
   * the policy is met by the results ('all': every child still expected has one), failed once it
   * cannot be met any more and some child failed, else pending.
   */
  function expectedVerdict(spec: Spec, { results, failed, live }: { results: Map<string, number>; failed: Set<string>; live: string[] }): string {
    if (spec.onPartialFailure === 'fail' && failed.size > 0) return 'failed CHILD_FAILED';
    const have = results.size;
    const need = spec.policy === 'quorum' ? spec.quorum : 1;
    const met = have >= need && (spec.policy !== 'all' || live.every((id) => results.has(id)));
    if (met) return 'done';
    const possible = new Set([...results.keys(), ...live]).size;
    if (possible < need && failed.size > 0) return `failed ${spec.policy === 'quorum' ? 'QUORUM_UNREACHABLE' : 'CHILD_FAILED'}`;
    return 'pending';
  }

  it('is done exactly when the policy is met, fails exactly when it cannot be met after a failure, and is pending otherwise', () => {
    fc.assert(
      fc.property(specArb, nArb, opsArb, (s, n, ops) => {
        const spec: Spec = { ...s, quorum: s.policy === 'quorum' ? s.quorum : 1, timeout: undefined };
        play(spec, n, ops, (v, state) => {
          expect(v.type === 'failed' ? `failed ${v.error.code}` : v.type).toBe(expectedVerdict(spec, state));
          if (v.type === 'done') expect(v.output).toEqual(Object.fromEntries(state.results));
        });
      }),
    );
  });

  it('at the deadline fails with AGGREGATE_TIMEOUT under fail, and under proceed ends with what is there if enough', () => {
    fc.assert(
      fc.property(specArb, nArb, opsArb, (s, n, ops) => {
        const spec: Spec = { ...s, quorum: s.policy === 'quorum' ? s.quorum : 1, timeout: 100 };
        const agg = new Aggregator(spec, 'arbor://n/sup');
        const results = new Map<string, number>();
        ops.forEach((op, step) => {
          const id = `c${op.child % n}`;
          if (op.kind === 'result') {
            agg.recordResult(id, step);
            results.set(id, step);
          }
        });
        const live = Array.from({ length: n }, (_, i) => `c${i}`);
        const v = agg.timedOut(live, 100);
        const need = spec.policy === 'quorum' ? spec.quorum : 1;
        if (spec.onPartialFailure === 'proceed' && results.size >= need) expect(v).toEqual({ type: 'done', output: Object.fromEntries(results) });
        else expect(v).toMatchObject({ type: 'failed', error: { code: 'AGGREGATE_TIMEOUT' } });
      }),
    );
  });

  it('hands out copies of its output that callers cannot change', () => {
    const agg = new Aggregator(undefined, 'arbor://n/sup');
    agg.recordResult('a', 1);
    const out = agg.output();
    out.a = 2;
    expect(agg.output()).toEqual({ a: 1 });
  });
});
