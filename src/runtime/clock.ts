/**
 * Time, injected. Every timer the runtime sets (ask timeouts, restart periods, backoff, shutdown
 * timeouts, aggregate deadlines, XState `after` delays) goes through a {@link Clock}, so tests run
 * on a {@link SimulatedClock} and never sleep.
 */

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** The clock interface; a superset of XState's `Clock`, so the same object drives XState delays. */
export interface Clock {
  /** Milliseconds since some fixed origin. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * `performance.timeOrigin`, read once: the getter checks its receiver and calls into the
 * runtime on every read, which cost a cell's `tell` as much as the monotonic reading itself
 * (a mailbox that goes from empty to one message reads the clock). It never changes.
 */
const TIME_ORIGIN = performance.timeOrigin;

/** The wall clock: milliseconds since the Unix epoch, monotonic (`timeOrigin` plus `performance.now()`). */
export const realClock: Clock = {
  now: () => TIME_ORIGIN + performance.now(),
  // Timers are not unref'd: a pending XState delay or a backoff restart is real work that must
  // keep the process alive. The runtime clears its timers when they settle and at shutdown.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface SimTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in due order (ties in the order they were
 * set) during {@link SimulatedClock.increment}; timers set by a firing timer fire in the same call
 * if they fall due within it.
 *
 * @example
 * const clock = new SimulatedClock();
 * const system = await createSystem({ clock, logger: false });
 * clock.increment(5000); // every timer due in the next 5 s fires now
 */
export class SimulatedClock implements Clock {
  private time: number;
  private nextId = 1;
  private timers = new Map<number, SimTimer>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.timers.size;
  }

  /** Advances time by `ms`, firing every timer that falls due, in order. */
  increment(ms: number): void {
    this.set(this.time + ms);
  }

  /** Moves time to `to` (never backwards), firing every timer that falls due, in order. */
  set(to: number): void {
    for (;;) {
      const next = this.nextDue(to);
      if (!next) break;
      this.timers.delete(next.id);
      this.time = next.at;
      next.fn();
    }
    if (to > this.time) this.time = to;
  }

  private nextDue(limit: number): SimTimer | undefined {
    let best: SimTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  }
}
