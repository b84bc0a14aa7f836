/**
 * A distributed simulated check runs on the simulation's schedule alone: the distribution layer's
 * deferred work (progress reports batched per event-loop turn, a host looking again while busy,
 * draining a dead node) runs at the end of a step, not on wall-clock timers. So a check leaves
 * nothing behind on the event loop, and how long its steps take on the wall clock changes nothing
 * in its report.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setup } from 'xstate';
import { checkWorkflow, supervisor, type WorkflowSpec } from '../../src/index.js';
import { contentWorkflow } from '../../examples/workflows/content.js';
import { Simulation } from '../../src/workflow/simulation.js';

// Whole simulated runs, many of them: generous when the suite shares a loaded machine.
const SLOW = { timeout: 120_000 };

/** Timers and immediates the process holds now, by kind. */
function timersHeld(): { Timeout: number; Immediate: number } {
  const held = { Timeout: 0, Immediate: 0 };
  for (const r of process.getActiveResourcesInfo()) if (r === 'Timeout' || r === 'Immediate') held[r]++;
  return held;
}

interface Ledger {
  processed: number[];
}

/**
 * Work items for a child placed on node b or c, which may go down: an item b processed but had
 * not reported when it died is processed again on c, so "no item is processed twice" fails, and
 * whether it does hangs on when b's progress reports go out.
 */
function atLeastOnce(): WorkflowSpec<Ledger> {
  let current: Ledger = { processed: [] };
  const worker = setup({ types: { events: {} as { type: 'work'; id: number } } }).createMachine({
    on: { work: { actions: ({ event }) => current.processed.push(event.id) } },
  });
  return {
    name: 'at least once across a failover',
    world: () => (current = { processed: [] }),
    nodes: ['b', 'c'],
    kinds: { work: worker },
    root: supervisor({ intensity: 5, period: 1000, children: [{ id: 'w', kind: 'work', node: ['b', 'c'] }] }),
    inputs: fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }).map((ids) => ids.map((id) => ({ to: 'root/w', event: { type: 'work', id } }))),
    faults: { nodeDown: true, maxFaults: 1 },
    eventually: { 'no item is processed twice': ({ world }) => world.processed.length === new Set(world.processed).size },
    numRuns: 60,
    seed: 9,
  };
}

/** `spec` whose every `every`-th invariant check holds the thread for `ms` of wall-clock time. */
function withSlowSteps<W>(spec: WorkflowSpec<W>, every: number, ms: number): WorkflowSpec<W> {
  let checks = 0;
  return {
    ...spec,
    invariants: {
      ...spec.invariants,
      'steps take wall-clock time': () => {
        if (++checks % every === 0) for (const until = performance.now() + ms; performance.now() < until; );
        return true;
      },
    },
  };
}

describe('a distributed simulated check and the wall clock', SLOW, () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sets no wall-clock timer at all, with nodes going down and hosts busy when runs end', async () => {
    // Only setTimeout/setInterval are faked: the run loop lets promise chains settle with setImmediate.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    const report = await checkWorkflow(contentWorkflow({ distributed: true, numRuns: 25, seed: 11 }));
    expect(report.stats.faults).toBeGreaterThan(0);
    expect(report.stats.quiescent).toBeLessThan(report.stats.runs); // some runs stopped at maxSteps, busy
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer or immediate behind on the event loop when it ends', async () => {
    const before = timersHeld();
    const report = await checkWorkflow(contentWorkflow({ distributed: true, numRuns: 25, seed: 11 }));
    expect(report.stats.faults).toBeGreaterThan(0); // nodes went down: the drain of a dead node was deferred too
    const after = timersHeld();
    expect(after.Timeout).toBeLessThanOrEqual(before.Timeout);
    expect(after.Immediate).toBeLessThanOrEqual(before.Immediate);
  });

  it('gives the same failing report, byte for byte, for the same seed however long its steps take on the wall clock', async () => {
    const spec = atLeastOnce();
    const plain = await checkWorkflow(spec);
    expect(plain.ok).toBe(false);
    expect(plain.failures[0]?.schedule.some((s) => s.kind === 'nodeDown')).toBe(true);
    const again = await checkWorkflow(spec);
    const slowed = await checkWorkflow(withSlowSteps(spec, 5, 3));
    expect(JSON.stringify(again)).toBe(JSON.stringify(plain));
    expect(JSON.stringify(slowed)).toBe(JSON.stringify(plain));
  });
});

describe('work a simulated node defers to a later event-loop turn', () => {
  it('runs at the end of the step, once, in the order deferred; what it defers again waits for the next step; a node that went down runs none of it', async () => {
    const sim = await Simulation.create(atLeastOnce());
    const [b, c] = [sim.nodes.get('b')!, sim.nodes.get('c')!];
    sim.endTurn();
    const ran: string[] = [];
    const again = (): void => {
      ran.push('b again');
      b.system.dispatcher.later(again, 2);
    };
    b.system.dispatcher.afterTurn(() => ran.push('b'));
    c.system.dispatcher.later(() => ran.push('c'), 2);
    b.system.dispatcher.later(again, 2);
    expect(ran).toEqual([]);
    sim.endTurn();
    expect(ran).toEqual(['b', 'c', 'b again']);
    sim.endTurn();
    expect(ran).toEqual(['b', 'c', 'b again', 'b again']);
    sim.execute({ kind: 'nodeDown', node: 'b' });
    c.system.dispatcher.afterTurn(() => ran.push('c after b went down'));
    b.system.dispatcher.afterTurn(() => ran.push('b after it went down'));
    sim.endTurn();
    expect(ran.slice(4)).toEqual(['c after b went down']);
    expect(sim.deferredCount).toBe(0);
  });
});
