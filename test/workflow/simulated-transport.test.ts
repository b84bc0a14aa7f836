/**
 * The distributed scenarios of `test/cluster` (placement by kind, failover after a node goes
 * down, dedup of redelivered messages) run on the simulated broker: the same runtime protocol
 * code, under every schedule the search picks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { checkWorkflow, supervisor, type WorkflowSpec } from '../../src/index.js';

// Whole simulated runs, many of them: generous when the suite shares a loaded machine.
const SLOW = { timeout: 120_000 };

interface Ledger {
  /** Every processing of a work item. */
  processed: { id: number }[];
}

/** A worker that records each item it processes in the world. */
const worker = (ledger: () => Ledger) =>
  setup({ types: { events: {} as { type: 'work'; id: number } } }).createMachine({
    on: { work: { actions: ({ event }) => ledger().processed.push({ id: event.id }) } },
  });

const items = fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }).map((ids) => ids.map((id) => ({ to: 'root/w', event: { type: 'work', id } })));

/** One child `w` of kind `work`, placed on the first of `candidates` that is up. */
function spec(name: string, nodes: string[], candidates: string[], faults: WorkflowSpec['faults'], eventually: WorkflowSpec<Ledger>['eventually']): WorkflowSpec<Ledger> {
  let current: Ledger = { processed: [] };
  return {
    name,
    world: () => (current = { processed: [] }),
    nodes,
    kinds: { work: worker(() => current) },
    root: supervisor({ intensity: 5, period: 1000, children: [{ id: 'w', kind: 'work', node: candidates }] }),
    inputs: items,
    faults,
    eventually,
    numRuns: 60,
    seed: 9,
  };
}

const sentIds = (journal: readonly { to: string; event: { type: string }; from?: string }[]): number[] =>
  journal.filter((e) => e.from === undefined && e.event.type === 'work' && e.to.endsWith('/root/w')).map((e) => (e.event as unknown as { id: number }).id);

const noneDisappear: WorkflowSpec<Ledger>['eventually'] = {
  // At least once: every item is processed by some incarnation, or dead-lettered with a reason.
  'no message disappears': ({ world, journal, deadLetters }) => {
    const done = new Set(world.processed.map((p) => p.id));
    const dead = new Set(deadLetters.map((d) => (d.event as { id?: number }).id));
    return sentIds(journal).every((id) => done.has(id) || dead.has(id));
  },
  'a child moved off a dead node was restarted for NODE_DOWN': ({ node, reports }) =>
    node('root/w') !== 'c' || reports.some((r) => r.kind === 'child_exited' && (r.reason as { code?: string } | undefined)?.code === 'NODE_DOWN'),
};

describe('the simulated transport', SLOW, () => {
  it('places a child by kind on another node, and every message reaches it there once', async () => {
    const report = await checkWorkflow(
      spec('placement', ['b', 'c'], ['c', 'b'], {}, {
        'every item processed once, on c': ({ world, journal, node }) => node('root/w') === 'c' && world.processed.length === new Set(sentIds(journal)).size,
      }),
    );
    expect(report.failures).toEqual([]);
    expect(report.stats.quiescent).toBe(report.stats.runs);
  });

  it('redelivers duplicates that the receiving node drops, so each item is processed exactly once', async () => {
    const report = await checkWorkflow(
      spec('dedup', ['b'], ['b'], { duplicate: true, maxFaults: 3 }, {
        'each item processed exactly once': ({ world, journal }) => {
          const ids = world.processed.map((p) => p.id);
          return ids.length === new Set(ids).size && ids.length === new Set(sentIds(journal)).size;
        },
      }),
    );
    expect(report.failures).toEqual([]);
    expect(report.stats.faults).toBeGreaterThan(0);
  });

  it('restarts a child whose node went down on the next candidate, with NODE_DOWN, losing no message', async () => {
    const report = await checkWorkflow(spec('failover', ['b', 'c'], ['b', 'c'], { nodeDown: true, maxFaults: 1 }, noneDisappear));
    expect(report.failures).toEqual([]);
    expect(report.stats.faults).toBeGreaterThan(0);
  });

  it('does produce failovers: a property that the child never leaves b is broken by a node going down', async () => {
    const report = await checkWorkflow(spec('failover happens', ['b', 'c'], ['b', 'c'], { nodeDown: true, maxFaults: 1 }, { 'stays on b': ({ node }) => node('root/w') === 'b' }));
    expect(report.ok).toBe(false);
    const failure = report.failures[0]!;
    expect(failure.schedule.some((s) => s.kind === 'nodeDown' && s.node === 'b')).toBe(true);
    expect(failure.states['a/root/w@c']).toBeDefined();
  });

  it('re-sends work a dead node processed but had not reported to the next incarnation: processed twice, never lost', async () => {
    const report = await checkWorkflow(
      spec('at least once', ['b', 'c'], ['b', 'c'], { nodeDown: true, maxFaults: 1 }, {
        'no item is processed twice': ({ world }) => world.processed.length === new Set(world.processed.map((p) => p.id)).size,
      }),
    );
    expect(report.ok).toBe(false);
    const { schedule } = report.failures[0]!;
    const down = schedule.findIndex((s) => s.kind === 'nodeDown' && s.node === 'b');
    expect(schedule.findIndex((s) => s.kind === 'turn' && s.node === 'b' && s.event === 'work')).toBeLessThan(down);
    expect(schedule.slice(down).some((s) => s.kind === 'turn' && s.node === 'c' && s.event === 'work')).toBe(true);
    expect(schedule.length).toBeLessThanOrEqual(20);
  });
});

describe('partitions on the simulated transport', SLOW, () => {
  it('loses no message when the node running a child is cut off from the broker and healed', async () => {
    const report = await checkWorkflow({ ...spec('partition', ['b', 'c'], ['b', 'c'], { partition: true, maxFaults: 2 }, noneDisappear), numRuns: 80 });
    expect(report.failures).toEqual([]);
    expect(report.stats.faults).toBeGreaterThan(0);
  });

  it('is deterministic under partitions too', async () => {
    const s = { ...spec('partition', ['b', 'c'], ['b', 'c'], { partition: true, nodeDown: true, duplicate: true, maxFaults: 3 }, noneDisappear), numRuns: 30 };
    expect(JSON.stringify(await checkWorkflow(s))).toBe(JSON.stringify(await checkWorkflow(s)));
  });
});
