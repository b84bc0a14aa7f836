/**
 * Model-based test of a root supervisor against a small reference model of OTP's `supervisor`
 * rules, written here from `supervisor.erl` and independent of `src/supervision` (it imports no
 * strategy or intensity code). Random command sequences (crash or finish a child, or several in
 * the same tick; startChild, terminateChild, restartChild, deleteChild; moving the clock) run
 * against a real system and the model; after each command the reports it produced (ids and
 * order), `whichChildren()`, the API call's outcome, the dead letters and whether the
 * supervisor gave up (the `shutdown` report, `result()` rejecting with MAX_RESTART_INTENSITY)
 * must agree. Once it gave up, every command's precondition is false.
 *
 * Replaying a failure: fast-check prints `{ seed, path }` and, after the commands,
 * `replayPath="..."`. Run
 *   FC_SEED=<seed> FC_PATH=<path> FC_REPLAY_PATH=<replayPath> npx vitest run test/supervision/otp-model.property.test.ts
 * and the test replays exactly that shrunk case and stops at it (`FC_REPLAY_PATH` is what lets
 * fast-check rebuild the shrunk command list; without it the path cannot be walked).
 * `FC_RUNS=<n>` searches longer than the default 100 runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSystem, SimulatedClock, supervisor } from '../../src/index.js';
import type { RestartType, Strategy, SupervisorRef, SupervisorReport, System } from '../../src/index.js';
import { controllableWorker } from '../support/machines.js';

// --- the reference model -------------------------------------------------------------------

interface ModelChild {
  id: string;
  restart: RestartType;
  running: boolean;
  /** Counts starts, so an exit of an incarnation that was since replaced can be told apart. */
  incarnation: number;
}

/** What the model expects an API call to settle with: `'ok'` or an error code. */
type Outcome = 'ok' | 'NOT_FOUND' | 'CHILD_RUNNING';

/**
 * OTP's rules, as plain bookkeeping. Every operation returns the reports it expects, as
 * `kind child` strings (`child_exited` with `normal`/`crash`, `shutdown` with its reason).
 */
class OtpModel {
  readonly children: ModelChild[];
  now = 0;
  gaveUp = false;
  private restarts: number[] = [];
  private dynamicCount = 0;

  constructor(
    readonly strategy: Strategy,
    readonly intensity: number,
    readonly period: number,
    restarts: readonly RestartType[],
  ) {
    this.children = restarts.map((restart, i) => ({ id: `c${i}`, restart, running: false, incarnation: 0 }));
  }

  /** Children start in list order. */
  start(): string[] {
    return this.children.map((c) => {
      launch(c);
      return `child_started ${c.id}`;
    });
  }

  /** A child exits by itself; a message to a child that is not running changes nothing. */
  exit(id: string, kind: 'normal' | 'crash'): string[] {
    const child = this.find(id);
    if (!child?.running) return [];
    const steps = [`child_exited ${id} ${kind}`];
    child.running = false;
    const restart = child.restart === 'permanent' || (child.restart === 'transient' && kind === 'crash');
    if (!restart) {
      if (child.restart === 'temporary') this.remove(child);
      return steps;
    }
    // add_restart/1: keep restarts with t >= now - period, add this one, compare with intensity.
    this.restarts = [...this.restarts.filter((t) => t >= this.now - this.period), this.now];
    if (this.restarts.length > this.intensity) return [...steps, ...this.giveUp(child)];
    const group = this.group(child);
    for (const sibling of [...group].reverse()) {
      if (sibling === child) continue;
      if (sibling.running) steps.push(`child_terminated ${sibling.id}`);
      sibling.running = false;
      // Temporary children stopped by a group restart are deleted, not restarted.
      if (sibling.restart === 'temporary') this.remove(sibling);
    }
    for (const member of group) {
      if (!this.children.includes(member)) continue;
      launch(member);
      steps.push(`child_restarted ${member.id}`);
    }
    return steps;
  }

  /**
   * Several children exit in the same tick: each exit reaches the supervisor only after all of
   * them happened. A child the supervisor stops or restarts in the meantime is already dead, so
   * it is reported terminated, and its own exit, arriving later, is stale and ignored (as OTP's
   * `unlink_flush` drops it). Exits after the supervisor gave up are ignored too.
   */
  exitTogether(exits: readonly { id: string; kind: 'normal' | 'crash' }[]): string[] {
    const pending = exits.flatMap(({ id, kind }) => {
      const child = this.find(id);
      return child?.running ? [{ child, kind, incarnation: child.incarnation }] : [];
    });
    const steps: string[] = [];
    for (const { child, kind, incarnation } of pending) {
      if (this.gaveUp || !this.children.includes(child) || child.incarnation !== incarnation || !child.running) continue;
      steps.push(...this.exit(child.id, kind));
    }
    return steps;
  }

  terminateChild(id: string): { outcome: Outcome; steps: string[] } {
    const child = this.find(id);
    if (!child) return { outcome: 'NOT_FOUND', steps: [] };
    const steps = child.running ? [`child_terminated ${id}`] : [];
    child.running = false;
    if (child.restart === 'temporary') this.remove(child);
    return { outcome: 'ok', steps };
  }

  /** Only a stopped child's spec can be deleted. */
  deleteChild(id: string): Outcome {
    const child = this.find(id);
    if (!child) return 'NOT_FOUND';
    if (child.running) return 'CHILD_RUNNING';
    this.remove(child);
    return 'ok';
  }

  /** A manual restart: no restart intensity is counted (as in OTP's `restart_child/2`). */
  restartChild(id: string): { outcome: Outcome; steps: string[] } {
    const child = this.find(id);
    if (!child) return { outcome: 'NOT_FOUND', steps: [] };
    if (child.running) return { outcome: 'CHILD_RUNNING', steps: [] };
    launch(child);
    return { outcome: 'ok', steps: [`child_restarted ${id}`] };
  }

  /** A dynamic child goes after every existing child. */
  startChild(restart: RestartType): { id: string; steps: string[] } {
    const id = `d${this.dynamicCount++}`;
    this.children.push({ id, restart, running: true, incarnation: 1 });
    return { id, steps: [`child_started ${id}`] };
  }

  which(): { id: string; status: 'running' | 'stopped' }[] {
    return this.children.map((c) => ({ id: c.id, status: c.running ? 'running' : 'stopped' }));
  }

  find(id: string): ModelChild | undefined {
    return this.children.find((c) => c.id === id);
  }

  /** The children a restart of `child` stops and starts again, in start order. */
  private group(child: ModelChild): ModelChild[] {
    switch (this.strategy) {
      case 'one_for_one':
        return [child];
      case 'one_for_all':
        return [...this.children];
      case 'rest_for_one':
        return this.children.slice(this.children.indexOf(child));
    }
  }

  /** Too many restarts: report, stop the running children in reverse order, give up. */
  private giveUp(cause: ModelChild): string[] {
    this.gaveUp = true;
    const steps = [`shutdown ${cause.id} MAX_RESTART_INTENSITY`];
    for (const c of [...this.children].reverse()) {
      if (c.running) steps.push(`child_terminated ${c.id}`);
      c.running = false;
    }
    return steps;
  }

  private remove(child: ModelChild): void {
    this.children.splice(this.children.indexOf(child), 1);
  }
}

function launch(child: ModelChild): void {
  child.running = true;
  child.incarnation++;
}

// --- the real system -----------------------------------------------------------------------

interface Real {
  system: System;
  clock: SimulatedClock;
  root: SupervisorRef;
  reports: SupervisorReport[];
  /** The codes of dead letters so far. */
  deadLetters: string[];
  /** How `root.result()` settled so far: `'pending'`, `'resolved'`, or the rejection's code. */
  result: string;
}

function describeReport(r: SupervisorReport): string {
  if (r.kind === 'child_exited') return `${r.kind} ${r.child} ${r.reason === 'normal' ? 'normal' : 'crash'}`;
  if (r.kind === 'shutdown') return `${r.kind} ${r.child} ${String(r.reason)}`;
  return `${r.kind} ${r.child}`;
}

/** Runs `act` on the real system, waits until it is idle, and compares it with the model. */
async function step(model: OtpModel, real: Real, expected: string[], act: () => Promise<unknown> | void): Promise<void> {
  const from = real.reports.length;
  await act();
  await real.system.idle();
  const produced = real.reports.slice(from);
  expect(produced.map(describeReport)).toEqual(expected);
  for (const r of produced) expect(r.at).toBe(model.now);
  expect(real.root.whichChildren().map(({ id, status }) => ({ id, status }))).toEqual(model.which());
  expect(real.result).toBe(model.gaveUp ? 'MAX_RESTART_INTENSITY' : 'pending');
}

function settle(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? 'no code',
  );
}

// --- commands ------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<OtpModel, Real>;

/** A command aimed at one of the model's current children (index modulo their number). */
abstract class ChildCommand implements Cmd {
  protected target = '?';
  constructor(readonly index: number) {}
  check(model: Readonly<OtpModel>): boolean {
    return !model.gaveUp && model.children.length > 0;
  }
  async run(model: OtpModel, real: Real): Promise<void> {
    const child = model.children[this.index % model.children.length] as ModelChild;
    this.target = child.id;
    await this.runOn(child.id, model, real);
  }
  protected abstract runOn(id: string, model: OtpModel, real: Real): Promise<void>;
  abstract toString(): string;
}

/**
 * Crash or finish one child, or several distinct children in the same tick (each gets its
 * message before the supervisor hears of any exit).
 */
class Exits implements Cmd {
  private targets: string[] = [];
  constructor(readonly exits: readonly { index: number; kind: 'normal' | 'crash' }[]) {}
  check(model: Readonly<OtpModel>): boolean {
    return !model.gaveUp && model.children.length > 0;
  }
  async run(model: OtpModel, real: Real): Promise<void> {
    const resolved = this.exits.map(({ index, kind }) => ({ id: (model.children[index % model.children.length] as ModelChild).id, kind }));
    const exits = resolved.filter((e, i) => resolved.findIndex((o) => o.id === e.id) === i);
    this.targets = resolved.map((e) => e.id);
    // The message that crashes a child is dead-lettered; one to a stopped child too.
    const deadLetters = exits.flatMap(({ id, kind }) => (!model.find(id)?.running ? ['ACTOR_STOPPED'] : kind === 'crash' ? ['ACTOR_CRASHED'] : []));
    const from = real.deadLetters.length;
    await step(model, real, model.exitTogether(exits), () => {
      for (const { id, kind } of exits) real.system.lookup(`root/${id}`)?.send({ type: kind === 'crash' ? 'crash' : 'finish' });
    });
    expect(real.deadLetters.slice(from).sort()).toEqual(deadLetters.sort());
  }
  toString(): string {
    return `exit(${this.exits.map((e, i) => `${e.kind === 'crash' ? 'crash' : 'finish'} #${e.index} ${this.targets[i] ?? ''}`).join(', ')})`;
  }
}

/** One call of the dynamic child API on a child: its outcome and reports must match the model's. */
class ApiCall extends ChildCommand {
  constructor(
    index: number,
    readonly call: 'terminateChild' | 'restartChild' | 'deleteChild',
  ) {
    super(index);
  }
  protected async runOn(id: string, model: OtpModel, real: Real): Promise<void> {
    const expected = this.call === 'deleteChild' ? { outcome: model.deleteChild(id), steps: [] } : model[this.call](id);
    let got = '';
    await step(model, real, expected.steps, async () => {
      got = await settle(real.root[this.call](id));
    });
    expect(got).toBe(expected.outcome);
  }
  toString(): string {
    return `${this.call}(#${this.index} ${this.target})`;
  }
}

class StartChild implements Cmd {
  constructor(readonly restart: RestartType) {}
  check(model: Readonly<OtpModel>): boolean {
    return !model.gaveUp;
  }
  async run(model: OtpModel, real: Real): Promise<void> {
    const { id, steps } = model.startChild(this.restart);
    let got = '';
    await step(model, real, steps, async () => {
      got = await settle(real.root.startChild({ id, logic: controllableWorker, restart: this.restart }));
    });
    expect(got).toBe('ok');
  }
  toString(): string {
    return `startChild(${this.restart})`;
  }
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check(model: Readonly<OtpModel>): boolean {
    return !model.gaveUp;
  }
  run(model: OtpModel, real: Real): Promise<void> {
    model.now += this.ms;
    return step(model, real, [], () => real.clock.increment(this.ms));
  }
  toString(): string {
    return `advance(${this.ms})`;
  }
}

const restartType = fc.constantFrom<RestartType>('permanent', 'transient', 'temporary');
const childIndex = fc.nat({ max: 9 });

const commands = fc.commands(
  [
    childIndex.map((i) => new Exits([{ index: i, kind: 'crash' }])),
    childIndex.map((i) => new Exits([{ index: i, kind: 'normal' }])),
    fc
      .array(fc.record({ index: childIndex, kind: fc.constantFrom<'normal' | 'crash'>('normal', 'crash') }), { minLength: 2, maxLength: 3 })
      .map((exits) => new Exits(exits)),
    childIndex.map((i) => new ApiCall(i, 'terminateChild')),
    childIndex.map((i) => new ApiCall(i, 'restartChild')),
    childIndex.map((i) => new ApiCall(i, 'deleteChild')),
    restartType.map((r) => new StartChild(r)),
    fc.integer({ min: 0, max: 60 }).map((ms) => new Advance(ms)),
  ],
  { maxCommands: 25, replayPath: process.env.FC_REPLAY_PATH },
);

interface Setup {
  strategy: Strategy;
  intensity: number;
  period: number;
  children: RestartType[];
}

const setupArb: fc.Arbitrary<Setup> = fc.record({
  strategy: fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one'),
  intensity: fc.integer({ min: 0, max: 3 }),
  period: fc.integer({ min: 1, max: 100 }),
  children: fc.array(restartType, { minLength: 2, maxLength: 5 }),
});

/** `FC_SEED`/`FC_PATH` (with `FC_REPLAY_PATH` on the commands) replay one printed counterexample. */
function runParameters(): fc.Parameters<unknown> {
  const numRuns = Number(process.env.FC_RUNS ?? 100);
  const seed = process.env.FC_SEED;
  if (seed === undefined) return { numRuns };
  return { numRuns, seed: Number(seed), path: process.env.FC_PATH, endOnFailure: true };
}

let systems: System[] = [];
afterEach(async () => {
  await Promise.all(systems.map((s) => s.shutdown()));
  systems = [];
});

async function runAgainstModel(setup: Setup, cmds: Iterable<Cmd>): Promise<void> {
  const clock = new SimulatedClock();
  const system = await createSystem({ clock, logger: false });
  systems.push(system);
  const model = new OtpModel(setup.strategy, setup.intensity, setup.period, setup.children);
  const real: Real = { system, clock, root: undefined as unknown as SupervisorRef, reports: [], deadLetters: [], result: 'pending' };
  system.on('report', (r) => real.reports.push(r));
  system.on('deadLetter', (d) => real.deadLetters.push(d.reason.code));
  const children = model.children.map((c) => ({ id: c.id, logic: controllableWorker, restart: c.restart }));
  await step(model, real, model.start(), () => {
    real.root = system.spawn(supervisor({ strategy: setup.strategy, intensity: setup.intensity, period: setup.period, children }), { id: 'root' });
    real.root.result().then(
      () => (real.result = 'resolved'),
      (err: { code?: string }) => (real.result = err.code ?? 'no code'),
    );
  });
  await fc.asyncModelRun(() => ({ model, real }), cmds);
  await system.shutdown();
}

describe('a root supervisor against a reference model of OTP', () => {
  it('produces the reports, children, API outcomes and give-up of the OTP model after every command of any sequence', async () => {
    await fc.assert(
      fc.asyncProperty(setupArb, commands, (setup, cmds) => runAgainstModel(setup, cmds)),
      runParameters(),
    );
  }, 20_000 + 20 * Number(process.env.FC_RUNS ?? 0));

  it('does not report child_terminated at MAX_RESTART_INTENSITY for the child whose exit caused it', async () => {
    const setup: Setup = { strategy: 'one_for_one', intensity: 0, period: 1, children: ['permanent', 'permanent'] };
    await runAgainstModel(setup, [new Exits([{ index: 0, kind: 'crash' }])]);
  });
});
