/**
 * The dispatcher yields to the event loop on a time slice, not only after a count of messages:
 * a runnable that spends milliseconds per message lets timers (heartbeats, progress reports) run
 * between its turns, and a fast one still gets its whole `throughput` per turn.
 */
import { expect, it } from 'vitest';
import { Dispatcher, type Runnable } from '../../src/runtime/dispatcher.js';

/** A runnable with `total` messages, each costing `ms` of busy CPU; records the size of each turn. */
function busyRunnable(total: number, ms: number): Runnable & { done: number; total: number; turns: number[] } {
  return {
    _scheduled: false,
    done: 0,
    total,
    turns: [],
    run(throughput: number) {
      let n = 0;
      while (n < throughput && this.done < this.total) {
        const until = performance.now() + ms;
        while (performance.now() < until) {
          // busy
        }
        this.done++;
        n++;
      }
      this.turns.push(n);
      return n;
    },
    hasWork() {
      return this.done < this.total;
    },
  };
}

it('a timer due during a slow actor\'s work runs before that work is finished', async () => {
  const dispatcher = new Dispatcher();
  const slow = busyRunnable(200, 1);
  let doneWhenTimerRan = -1;
  const timer = new Promise<void>((resolve) =>
    setTimeout(() => {
      doneWhenTimerRan = slow.done;
      resolve();
    }, 0),
  );
  dispatcher.schedule(slow);
  await timer;
  await new Promise<void>((resolve) => {
    const check = () => (slow.hasWork() ? setImmediate(check) : resolve());
    check();
  });
  expect(slow.done).toBe(200);
  expect(doneWhenTimerRan).toBeGreaterThan(0);
  expect(doneWhenTimerRan).toBeLessThan(200);
  // Its first turn is short (it is not measured yet); later ones fit the slice, never 300 messages.
  expect(slow.turns[0]).toBeLessThanOrEqual(16);
  expect(Math.max(...slow.turns)).toBeLessThan(100);
});

it('a fast actor gets its whole throughput per turn once measured', async () => {
  // A slice of a second: on a loaded machine (2 cores, a dozen busy processes) a turn of 50
  // near-free messages can be preempted for milliseconds, measure as slow and be cut short by a
  // 4 ms slice; what is checked is that a measured fast actor's turn is its throughput, not less.
  const dispatcher = new Dispatcher({ throughput: 50, timeSlice: 1000 });
  const fast = busyRunnable(1000, 0);
  dispatcher.schedule(fast);
  await new Promise<void>((resolve) => {
    const check = () => (fast.hasWork() ? setImmediate(check) : resolve());
    check();
  });
  expect(fast.done).toBe(1000);
  expect(fast.turns.slice(1, -1).every((n) => n === 50)).toBe(true);
});

it('messages handed over one by one from a chain of microtasks, each waking a slow actor, still let a due timer run before they are all processed', async () => {
  const dispatcher = new Dispatcher();
  const slow = busyRunnable(0, 1);
  let doneWhenTimerRan = -1;
  const timer = new Promise<void>((resolve) =>
    setTimeout(() => {
      doneWhenTimerRan = slow.done;
      resolve();
    }, 0),
  );
  // As a transport's inbound chain does: one message, then await, then the next.
  const handOver = async () => {
    for (let i = 0; i < 200; i++) {
      slow.total++;
      dispatcher.schedule(slow);
      await Promise.resolve();
    }
  };
  await handOver();
  await timer;
  await new Promise<void>((resolve) => {
    const check = () => (slow.done < 200 ? setImmediate(check) : resolve());
    check();
  });
  expect(doneWhenTimerRan).toBeGreaterThanOrEqual(0);
  expect(doneWhenTimerRan).toBeLessThan(200);
});
