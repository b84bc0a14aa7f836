/**
 * A worker's XState system says which Arbor system it runs in (`arborSystemOf`, what pattern
 * machines resolve held paths with), from the moment its actor is created (a `context` factory
 * runs before the worker is bridged), through restarts; a plain `createActor` has no Arbor system.
 * The mark is carried by the clock a worker gives `createActor`, one per Arbor system.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import { arborSystemOf } from '../../src/actors/xstate-system.js';
import { createSystem, SimulatedClock, supervisor, type System } from '../../src/index.js';

interface Seen {
  node: string | undefined;
  at: string;
}

/** A machine that notes, in its context factory and on `probe`, which Arbor system it finds. */
const noting = (seen: Seen[]) =>
  setup({ types: { events: {} as { type: 'probe' } | { type: 'boom' } } }).createMachine({
    context: ({ self }) => {
      seen.push({ node: arborSystemOf(self.system)?.node, at: 'context' });
      return {};
    },
    on: {
      probe: { actions: ({ system }) => seen.push({ node: arborSystemOf(system)?.node, at: 'probe' }) },
      boom: {
        actions: () => {
          throw new Error('boom');
        },
      },
    },
  });

const systems: System[] = [];
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.shutdown()));
});

async function system(node: string, clock = new SimulatedClock()): Promise<System> {
  const s = await createSystem({ node, logger: false, clock });
  systems.push(s);
  return s;
}

describe('the Arbor system of a worker, seen from its XState system', () => {
  it('is there in the context factory and in actions, and is the system that runs the worker', async () => {
    const seen: Seen[] = [];
    const s = await system('mark1');
    const ref = s.spawn(noting(seen), { id: 'w' });
    ref.send({ type: 'probe' });
    await s.idle();
    expect(seen).toEqual([
      { node: 'mark1', at: 'context' },
      { node: 'mark1', at: 'probe' },
    ]);
    // The system it names is the one that looks the worker up.
    const found: unknown[] = [];
    const s2 = s.spawn(setup({}).createMachine({ entry: ({ self }) => found.push(arborSystemOf(self.system)?.lookup('w')?.path) }), { id: 'x' });
    await s.idle();
    expect(found).toEqual([ref.path]);
    expect(s2.path).toBe('arbor://mark1/x');
  });

  it('is each worker its own system, also when two systems share one clock, and after a restart', async () => {
    const clock = new SimulatedClock();
    const seenA: Seen[] = [];
    const seenB: Seen[] = [];
    const a = await system('mark2a', clock);
    const b = await system('mark2b', clock);
    const root = a.spawn(supervisor({ intensity: 5, period: 1000, children: [{ id: 'w', logic: noting(seenA) }] }), { id: 'sup' });
    const wb = b.spawn(noting(seenB), { id: 'w' });
    const wa = a.lookup(`${root.path}/w`);
    wa?.send({ type: 'boom' });
    await a.idle();
    wa?.send({ type: 'probe' });
    wb.send({ type: 'probe' });
    await a.idle();
    await b.idle();
    // The crash restarted the worker: a second context factory, still on its own system.
    expect(seenA).toEqual([
      { node: 'mark2a', at: 'context' },
      { node: 'mark2a', at: 'context' },
      { node: 'mark2a', at: 'probe' },
    ]);
    expect(seenB).toEqual([
      { node: 'mark2b', at: 'context' },
      { node: 'mark2b', at: 'probe' },
    ]);
  });

  it('is none for a plain createActor, even one given an Arbor system clock', () => {
    const seen: Seen[] = [];
    const actor = createActor(noting(seen), { clock: new SimulatedClock() }).start();
    actor.send({ type: 'probe' });
    actor.stop();
    expect(seen).toEqual([
      { node: undefined, at: 'context' },
      { node: undefined, at: 'probe' },
    ]);
  });
});
