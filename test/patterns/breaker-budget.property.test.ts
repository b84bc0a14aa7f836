import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Budget, CircuitBreaker, SimulatedClock, isArborError, stopSubtree, type BreakerState } from '../../src/index.js';

type Op = { kind: 'acquire' } | { kind: 'success' } | { kind: 'failure' } | { kind: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ kind: 'acquire' as const }),
  fc.constant({ kind: 'success' as const }),
  fc.constant({ kind: 'failure' as const }),
  fc.integer({ min: 1, max: 150 }).map((ms) => ({ kind: 'advance' as const, ms })),
);

/** The breaker's rules as a table over an explicit state. */
function model(threshold: number, coolDown: number) {
  let state: BreakerState = 'closed';
  let failures = 0;
  let probing = false;
  let now = 0;
  let openedAt = 0;
  const open = () => {
    state = 'open';
    failures = 0;
    openedAt = now;
  };
  return {
    get state() {
      return state;
    },
    apply(o: Op): boolean | undefined {
      switch (o.kind) {
        case 'advance':
          now += o.ms;
          if (state === 'open' && now >= openedAt + coolDown) state = 'half_open';
          return undefined;
        case 'acquire':
          if (state === 'closed') return true;
          if (state === 'open' || probing) return false;
          probing = true;
          return true;
        case 'success':
          probing = false;
          if (state === 'half_open') state = 'closed';
          failures = 0;
          return undefined;
        case 'failure':
          probing = false;
          if (state === 'half_open') open();
          else if (state === 'closed' && ++failures >= threshold) open();
          return undefined;
      }
    },
  };
}

describe('CircuitBreaker', () => {
  it('follows the closed → open → half-open → closed/open rules (property, against a model)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 300 }), fc.array(op, { maxLength: 60 }), (threshold, coolDown, ops) => {
        const clock = new SimulatedClock();
        const changes: string[] = [];
        const breaker = new CircuitBreaker({ failureThreshold: threshold, coolDown, clock, onStateChange: (to, from) => changes.push(`${from}>${to}`) });
        const m = model(threshold, coolDown);
        let previous: BreakerState = 'closed';
        const expectedChanges: string[] = [];
        for (const o of ops) {
          const expected = m.apply(o);
          if (o.kind === 'advance') clock.increment(o.ms);
          else if (o.kind === 'acquire') expect(breaker.tryAcquire()).toBe(expected);
          else breaker[o.kind]();
          expect(breaker.state).toBe(m.state);
          if (m.state !== previous) expectedChanges.push(`${previous}>${m.state}`);
          previous = m.state;
        }
        expect(changes).toEqual(expectedChanges);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects calls while open with CIRCUIT_OPEN saying when to retry, and lets one probe through after the cool-down', async () => {
    const clock = new SimulatedClock();
    const breaker = new CircuitBreaker({ name: 'llm', failureThreshold: 2, coolDown: 1000, clock });
    const fail = () => Promise.reject(new Error('model down'));
    for (let i = 0; i < 2; i++) await expect(breaker.call(fail)).rejects.toThrow('model down');
    clock.increment(400);
    let called = false;
    await expect(breaker.call(() => (called = true))).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', details: { breaker: 'llm', state: 'open', retryIn: 600 } });
    expect(called).toBe(false);
    clock.increment(600);
    expect(breaker.state).toBe('half_open');
    const probe = breaker.call(() => new Promise<string>((resolve) => clock.setTimeout(() => resolve('ok'), 10)));
    await expect(breaker.call(() => 'second')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', details: { state: 'half_open' } });
    clock.increment(10);
    await expect(probe).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('stops a runaway subtree when it opens and restarts it as the probe when half-open', async () => {
    const clock = new SimulatedClock();
    const calls: string[] = [];
    const parent = {
      terminateChild: async (id: string) => void calls.push(`terminate:${id}`),
      restartChild: async (id: string) => void calls.push(`restart:${id}`),
    };
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDown: 100, clock });
    stopSubtree(breaker, parent, 'research');
    breaker.failure();
    clock.increment(100);
    breaker.failure(); // the probe fails: open again
    await Promise.resolve();
    expect(calls).toEqual(['terminate:research', 'restart:research', 'terminate:research']);
  });

  it('validates its options, naming the field', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'failureThreshold' }));
    expect(() => new CircuitBreaker({ coolDown: -1 })).toThrow(expect.objectContaining({ field: 'coolDown', value: -1 }));
  });
});

type BudgetOp = { who: number; kind: 'draw' | 'refund'; amount: number };

describe('Budget', () => {
  it('keeps every level within its limit, and used = draws − refunds at each level (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.record({ who: fc.nat(3), kind: fc.constantFrom('draw' as const, 'refund' as const), amount: fc.integer({ min: 0, max: 40 }) }), { maxLength: 40 }),
        (rootLimit, childLimits, ops: BudgetOp[]) => {
          const root = new Budget({ name: 'tokens', limit: rootLimit });
          const children = childLimits.map((l, i) => root.child(`c${i}`, l));
          const net = children.map(() => 0);
          for (const o of ops) {
            const i = o.who % children.length;
            const b = children[i]!;
            if (o.kind === 'refund') {
              net[i]! -= b.refund(o.amount);
              continue;
            }
            const fits = o.amount <= b.remaining && o.amount <= root.remaining;
            try {
              b.draw(o.amount);
              expect(fits).toBe(true);
              net[i]! += o.amount;
            } catch (err) {
              expect(fits).toBe(false);
              expect(isArborError(err, 'BUDGET_EXCEEDED')).toBe(true);
              expect((err as { details: { amount: number } }).details.amount).toBe(o.amount);
            }
          }
          children.forEach((c, i) => {
            expect(c.used).toBe(net[i]);
            expect(c.used).toBeLessThanOrEqual(c.limit);
          });
          expect(root.used).toBe(net.reduce((a, b) => a + b, 0));
          expect(root.used).toBeLessThanOrEqual(root.limit);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names the amount and the budget that refused a draw, and takes nothing anywhere', () => {
    const tokens = new Budget({ name: 'tokens', limit: 100 });
    const research = tokens.child('research', 80);
    research.draw(50);
    tokens.draw(40);
    expect(() => research.draw(20)).toThrow(
      expect.objectContaining({ code: 'BUDGET_EXCEEDED', message: 'budget tokens exceeded: drawing 20 with 10 of 100 left', details: { budget: 'tokens', amount: 20, remaining: 10, limit: 100 } }),
    );
    expect([research.used, tokens.used]).toEqual([50, 90]);
    expect(research.tryDraw(10)).toBe(true);
    expect(research.available).toBe(0);
    expect(() => research.draw(-1)).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'amount' }));
  });
});
