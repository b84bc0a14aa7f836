/**
 * Runs actors. Every actor with work is put on one run queue; a drain loop gives each a bounded
 * turn (`throughput` messages) and re-queues it if it still has work, so one busy actor cannot
 * starve the others. Delivery is never on the sender's stack: the loop starts in a microtask.
 *
 * The loop yields to the event loop with `setImmediate` after a time slice (`timeSlice` ms) or
 * `budget` messages, whichever comes first (drains started from microtasks before the event loop
 * turns share one slice), so timers and I/O (heartbeats, progress reports, the
 * broker connection, a SIGINT) keep running under a message storm and beside a slow actor. A
 * turn's length is bounded by time too: each runnable's cost per message is estimated from its
 * past turns, and a slow one (an actor spending ms per message) gets as many messages as fit in a
 * slice, at least one. The clock is read once per turn, not per message.
 */
import { Deque } from './deque.js';

/** Something the dispatcher can run: an actor cell. */
export interface Runnable {
  /** @internal set by the dispatcher while the runnable is on the run queue */
  _scheduled: boolean;
  /** Processes up to `throughput` messages; returns how many it processed. */
  run(throughput: number): number;
  /** True when a call to `run` would make progress. */
  hasWork(): boolean;
  /** @internal set by the dispatcher: its estimate of this runnable's ms per message (0 = none yet). */
  _cost?: number | undefined;
}

/** Dispatcher tuning. */
export interface DispatcherOptions {
  /**
   * Messages one actor may process in one turn before the next actor's turn.
   * @default 300
   */
  throughput?: number;
  /**
   * Messages processed across all actors before yielding to the event loop.
   * @default 20000
   */
  budget?: number;
  /**
   * Milliseconds of turns before yielding to the event loop (also bounds one slow actor's turn).
   * @default 4
   */
  timeSlice?: number;
  /**
   * Deterministic simulation only (`src/workflow`): the test's hand on the run queue. When set,
   * a runnable that becomes ready is handed to it instead of the drain loop, and it runs the
   * runnable (`run`, then `hasWork`) when the test chooses. Production never sets it.
   */
  scheduler?: TurnScheduler;
}

/** Chooses when ready runnables take their turns (see {@link DispatcherOptions.scheduler}). */
export interface TurnScheduler {
  /** `r` became ready (it is marked `_scheduled`); the scheduler must clear the mark before it runs it. */
  ready(r: Runnable): void;
  /**
   * Work the runtime would run on a later turn of the event loop ({@link Dispatcher.afterTurn},
   * {@link Dispatcher.later}): the scheduler runs it at the end of a step, once, so no real timer
   * is left behind and when it runs is part of the schedule, not of the wall clock.
   */
  defer(task: () => void): void;
}

/** The default dispatcher tuning, as in Proto.Actor's default throughput. */
export const DEFAULT_DISPATCHER_OPTIONS: Required<Omit<DispatcherOptions, 'scheduler'>> = { throughput: 300, budget: 20_000, timeSlice: 4 };

/** Messages a runnable never measured gets in its first turn: a slow actor's first turn stays short. */
const FIRST_TURN = 16;

export class Dispatcher {
  private readonly queue = new Deque<Runnable>(64);
  private pending = false;
  private readonly throughput: number;
  private readonly budget: number;
  private readonly timeSlice: number;
  private readonly drainBound = () => this.drain();
  /** Messages (user and control) processed so far: the inspector's messages per second. */
  processed = 0;
  /** When the current slice began (-1: none open); drains until the event loop turns share it. */
  private runStart = -1;
  private readonly endRun = () => {
    this.runStart = -1;
  };
  /** Under simulation: where {@link Dispatcher.afterTurn} and {@link Dispatcher.later} hand their tasks. */
  private readonly deferTo: ((task: () => void) => void) | undefined;

  constructor(options: DispatcherOptions = {}) {
    this.throughput = options.throughput ?? DEFAULT_DISPATCHER_OPTIONS.throughput;
    this.budget = options.budget ?? DEFAULT_DISPATCHER_OPTIONS.budget;
    this.timeSlice = options.timeSlice ?? DEFAULT_DISPATCHER_OPTIONS.timeSlice;
    const scheduler = options.scheduler;
    this.deferTo = scheduler && ((task) => scheduler.defer(task));
    // An own property shadows the prototype's `schedule` only under simulation, so the
    // production path is the same code as without the port.
    if (scheduler) {
      this.schedule = (r) => {
        if (r._scheduled) return;
        r._scheduled = true;
        scheduler.ready(r);
      };
    }
  }

  /** Puts a runnable on the run queue (once) and makes sure a drain is coming. */
  schedule(r: Runnable): void {
    if (r._scheduled) return;
    r._scheduled = true;
    this.queue.push(r);
    if (!this.pending) {
      this.pending = true;
      queueMicrotask(this.drainBound);
    }
  }

  /**
   * Runs `task` once the current turn of the event loop is over (`setImmediate`): work batched per
   * turn, such as progress reports. Under simulation the scheduler runs it at the end of the step.
   */
  afterTurn(task: () => void): void {
    if (this.deferTo) this.deferTo(task);
    else setImmediate(task);
  }

  /**
   * Runs `task` after `ms` of wall-clock time (`setTimeout`): a look again that must not spin, or
   * a wait for I/O already on its way. Not on the system's clock: it is no timer of the model (a
   * `SimulatedClock` that nobody moves would never fire it). Under simulation the scheduler runs
   * it at the end of a step, as {@link Dispatcher.afterTurn}.
   */
  later(task: () => void, ms: number): void {
    if (this.deferTo) this.deferTo(task);
    else setTimeout(task, ms);
  }

  /** True while any actor is queued to run. */
  get busy(): boolean {
    return this.pending;
  }

  private drain(): void {
    let processed = 0;
    const start = performance.now();
    if (this.runStart < 0) {
      // The first drain since the event loop last turned: a new slice, closed at its next turn.
      this.runStart = start;
      setImmediate(this.endRun);
    } else if (start - this.runStart >= this.timeSlice) {
      // Drains started back to back from microtasks (e.g. a transport handing over messages one
      // by one, each waking an actor) share one slice: once it is spent, wait for the event loop.
      setImmediate(this.drainBound);
      return;
    }
    const end = this.runStart + this.timeSlice;
    let now = start;
    while (processed < this.budget && now < end) {
      const r = this.queue.shift();
      if (!r) break;
      r._scheduled = false;
      const cost = r._cost;
      // A measured runnable gets what fits in the rest of the slice (at least one message).
      const turn = cost === undefined ? FIRST_TURN : cost > 0 ? Math.max(1, Math.min(this.throughput, Math.floor((end - now) / cost))) : this.throughput;
      const n = r.run(turn);
      processed += n;
      const after = performance.now();
      if (n > 0) {
        const perMessage = (after - now) / n;
        r._cost = cost === undefined ? perMessage : (cost + perMessage) / 2;
      }
      now = after;
      if (!r._scheduled && r.hasWork()) {
        r._scheduled = true;
        this.queue.push(r);
      }
    }
    this.processed += processed;
    if (this.queue.size > 0) setImmediate(this.drainBound);
    else this.pending = false;
  }
}
