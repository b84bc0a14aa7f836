import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { checkWorkflow, supervisor, type WorkflowSpec } from '../../src/index.js';

// Whole simulated runs, many of them: generous when the suite shares a loaded machine.
const SLOW = { timeout: 120_000 };

interface Seen {
  ids: number[];
}

const worker = (seen: () => Seen) =>
  setup({ types: { events: {} as { type: 'work'; id: number } } }).createMachine({
    on: { work: { actions: ({ event }) => seen().ids.push(event.id) } },
  });

/** A sibling whose graceful stop never ends: it accepts `arbor.shutdown` and then waits for ever. */
const stubborn = setup({ types: { events: {} as { type: 'arbor.shutdown' } } }).createMachine({
  initial: 'up',
  states: { up: { on: { 'arbor.shutdown': 'draining' } }, draining: {} },
});

function spec(overrides: Partial<WorkflowSpec<Seen>>): WorkflowSpec<Seen> {
  let current: Seen = { ids: [] };
  return {
    name: 'kinds',
    world: () => (current = { ids: [] }),
    root: supervisor({ children: [{ id: 'w', logic: worker(() => current) }] }),
    inputs: fc.constant([1, 2, 3].map((id) => ({ to: 'root/w', event: { type: 'work', id } }))),
    faults: { crash: ['root/w'], maxFaults: 1 },
    eventually: { 'all work done': ({ world }) => world.ids.length === 3 },
    numRuns: 50,
    seed: 3,
    ...overrides,
  };
}

describe('the kinds of workflow failure', SLOW, () => {
  it('is a deadlock when a restart waits for ever on a sibling that never stops, with work queued behind it', async () => {
    let current: Seen = { ids: [] };
    const report = await checkWorkflow(
      spec({
        world: () => (current = { ids: [] }),
        root: supervisor({
          strategy: 'one_for_all',
          children: [
            { id: 'stubborn', logic: stubborn, shutdown: 'infinity' },
            { id: 'w', logic: worker(() => current) },
          ],
        }),
        eventually: { 'all work not lost to the crash is done': ({ world, deadLetters }) => world.ids.length + deadLetters.length >= 3 },
      }),
    );
    expect(report.ok).toBe(false);
    const failure = report.failures[0]!;
    expect(failure.kind).toBe('deadlock');
    expect(failure.states['a/root/stubborn']).toBe('stopping draining');
    expect(failure.states['a/root/w']).toMatch(/^suspended/);
  });

  it('is an error when the root gives up after too many restarts', async () => {
    const report = await checkWorkflow(spec({ faults: { crash: ['root/w'], maxFaults: 2 }, eventually: {} }));
    expect(report.ok).toBe(false);
    expect(report.failures[0]).toMatchObject({ kind: 'error' });
    expect(report.failures[0]!.message).toContain('MAX_RESTART_INTENSITY');
    expect(report.failures[0]!.schedule.filter((s) => s.kind === 'crash')).toHaveLength(2);
  });

  it('is an invariant failure at the first step that breaks it, and a throwing property counts as broken', async () => {
    const report = await checkWorkflow(spec({ faults: {}, invariants: { 'never two items': ({ world }) => { if (world.ids.length >= 2) throw new Error('two'); } } }));
    expect(report.failures[0]).toMatchObject({ kind: 'invariant', name: 'never two items' });
    expect(report.failures[0]!.message).toContain('threw: two');
    expect(report.failures[0]!.schedule.at(-1)).toMatchObject({ kind: 'turn', actor: 'a/root/w', event: 'work' });
  });
});
