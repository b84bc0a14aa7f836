/**
 * Differential: `after` delays, delayed `sendTo` / `raise`, `cancel`; and the two deliberate
 * differences the README documents (asynchronous delivery; the simulated clock).
 */
import { describe, expect, it } from 'vitest';
import { cancel, createActor, createMachine, raise, sendTo, setup, SimulatedClock as XStateSimulatedClock } from 'xstate';
import { createSystem, SimulatedClock } from '../../src/index.js';
import { differential } from './harness.js';

const timed = (log: unknown[]) =>
  setup({}).createMachine({
    initial: 'a',
    states: {
      a: { entry: () => log.push('a'), after: { 100: 'b' } },
      b: {
        entry: [() => log.push('b'), raise({ type: 'late' }, { delay: 50, id: 'late' }), sendTo(({ self }) => self, { type: 'later' }, { delay: 80 })],
        on: { late: { actions: () => log.push('late') }, later: 'c', stop: { actions: cancel('late') } },
      },
      c: { entry: () => log.push('c'), after: { 30: 'd' } },
      d: { type: 'final', entry: () => log.push('d') },
    },
  });

describe('delays', () => {
  it('fires after, delayed raise and delayed sendTo at the same simulated times', async () => {
    const { xstate, arbor } = await differential(timed, async (run, log) => {
      const at: string[] = [];
      for (let t = 0; t < 300; t += 10) {
        await run.advance(10);
        at.push(`${t + 10}:${log.join(',')}`);
      }
      return { log: [...log], at, status: run.snapshot().status };
    });
    expect(xstate.log).toEqual(['a', 'b', 'late', 'c', 'd']);
    expect(arbor).toEqual(xstate);
  });

  it('cancels a delayed raise', async () => {
    const { xstate, arbor } = await differential(timed, async (run, log) => {
      await run.advance(100);
      run.send({ type: 'stop' });
      await run.settle();
      await run.advance(200, 10);
      return [...log];
    });
    expect(xstate).toEqual(['a', 'b', 'c', 'd']);
    expect(arbor).toEqual(xstate);
  });
});

describe('deliberate differences (README: "Where Arbor differs from createActor")', () => {
  it('delivers asynchronously: a snapshot read right after send shows the old state', async () => {
    const machine = createMachine({ initial: 'a', states: { a: { on: { go: 'b' } }, b: {} } });
    const x = createActor(machine).start();
    x.send({ type: 'go' });
    expect(x.getSnapshot().value).toBe('b');

    const system = await createSystem({ node: 'async', logger: false });
    const ref = system.spawn(machine, { id: 'w' });
    ref.send({ type: 'go' });
    expect((ref.getSnapshot() as { value: string }).value).toBe('a');
    await system.idle();
    expect((ref.getSnapshot() as { value: string }).value).toBe('b');
    await system.shutdown();
  });

  it("fires timers set during an increment when they fall due within it, where XState's SimulatedClock waits for the next increment", async () => {
    const chain = createMachine({ initial: 'a', states: { a: { after: { 100: 'b' } }, b: { after: { 100: 'c' } }, c: {} } });
    const xclock = new XStateSimulatedClock();
    const x = createActor(chain, { clock: xclock }).start();
    xclock.increment(200);
    expect(x.getSnapshot().value).toBe('b');

    const clock = new SimulatedClock();
    const system = await createSystem({ node: 'clock', logger: false, clock });
    const ref = system.spawn(chain, { id: 'w' });
    await system.idle();
    clock.increment(200);
    await system.idle();
    expect((ref.getSnapshot() as { value: string }).value).toBe('c');
    await system.shutdown();
  });
});
