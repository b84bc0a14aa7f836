/**
 * The differential harness: one scenario, run once under XState's `createActor(logic).start()`
 * and once as an Arbor worker, each on its own simulated clock, so a test can compare what the
 * two runs observed. `settle()` lets everything queued run (Arbor delivers asynchronously, and
 * promises resolve on microtasks in both).
 */
import { createActor, type AnyActorLogic, type AnyActorRef, type InspectionEvent } from 'xstate';
import { createSystem, SimulatedClock, type ActorRef, type DeadLetter, type System } from '../../src/index.js';

/** What a scenario sees of either run. */
export interface Run {
  readonly kind: 'xstate' | 'arbor';
  readonly clock: SimulatedClock;
  /** The actor under test: an XState actor or an Arbor ref (both have send, getSnapshot, subscribe, on). */
  readonly ref: AnyActorRef | ActorRef;
  send(event: { type: string; [k: string]: unknown }): void;
  settle(): Promise<void>;
  /** Moves the clock `ms` forward, in steps of at most `step` ms, settling after each. */
  advance(ms: number, step?: number): Promise<void>;
  snapshot(): { status: string; value?: unknown; context?: unknown; output?: unknown; error?: unknown; children?: Record<string, unknown> };
  stop(): Promise<void>;
}

export interface ArborRun extends Run {
  readonly kind: 'arbor';
  readonly system: System;
  readonly deadLetters: DeadLetter[];
}

export interface RunOptions {
  input?: unknown;
  inspect?: (event: InspectionEvent) => void;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

async function advanceBy(run: Run, ms: number, step: number): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    run.clock.increment(Math.min(step, left));
    await run.settle();
  }
}

/** Runs `logic` as XState itself does. */
export function xstateRun(logic: AnyActorLogic, options: RunOptions = {}): Run {
  const clock = new SimulatedClock();
  const actor = createActor(logic, { clock, input: options.input, ...(options.inspect ? { inspect: options.inspect } : {}) });
  // XState reports errors of an actor nobody observes as unhandled; the scenario reads the snapshot.
  actor.subscribe({ error: () => undefined });
  actor.start();
  const run: Run = {
    kind: 'xstate',
    clock,
    ref: actor,
    send: (event) => actor.send(event),
    settle: flush,
    advance: (ms, step = ms) => advanceBy(run, ms, step),
    snapshot: () => actor.getSnapshot() as ReturnType<Run['snapshot']>,
    stop: async () => {
      actor.stop();
      await flush();
    },
  };
  return run;
}

/** Runs `logic` as a root Arbor worker `main`. */
export async function arborRun(logic: AnyActorLogic, options: RunOptions = {}): Promise<ArborRun> {
  const clock = new SimulatedClock();
  const system = await createSystem({ node: 'fid', clock, logger: false, ...(options.inspect ? { inspect: options.inspect } : {}) });
  const deadLetters: DeadLetter[] = [];
  system.on('deadLetter', (d) => deadLetters.push(d));
  const ref = system.spawn(logic, { id: 'main', input: options.input });
  ref.result().catch(() => undefined);
  const settle = async (): Promise<void> => {
    await flush();
    await system.idle();
  };
  const run: ArborRun = {
    kind: 'arbor',
    clock,
    system,
    deadLetters,
    ref,
    send: (event) => ref.send(event),
    settle,
    advance: (ms, step = ms) => advanceBy(run, ms, step),
    snapshot: () => ref.getSnapshot() as ReturnType<Run['snapshot']>,
    stop: () => system.shutdown(),
  };
  await settle();
  return run;
}

/**
 * Runs `scenario` under both and returns both observations. `make` builds the logic afresh for
 * each run (with its own log), so the runs share nothing.
 */
export async function differential<T>(
  make: (log: unknown[]) => AnyActorLogic,
  scenario: (run: Run, log: unknown[]) => Promise<T>,
  options: RunOptions = {},
): Promise<{ xstate: T; arbor: T }> {
  const xlog: unknown[] = [];
  const xrun = xstateRun(make(xlog), options);
  await xrun.settle();
  const xstate = await scenario(xrun, xlog);
  await xrun.stop();
  const alog: unknown[] = [];
  const arun = await arborRun(make(alog), options);
  const arbor = await scenario(arun, alog);
  await arun.stop();
  return { xstate, arbor };
}

/** The parts of a snapshot two runs should agree on. */
export function essentials(s: ReturnType<Run['snapshot']>): { status: string; value: unknown; context: unknown; output: unknown } {
  return { status: s.status, value: s.value, context: s.context, output: s.output };
}
