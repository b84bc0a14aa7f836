/**
 * One simulated run: from a fresh cluster, step by step, checking invariants after every step
 * and `eventually` properties at quiescence. A run is driven either by choices (what fast-check
 * generates and shrinks: the inputs, and one number per step picking among the enabled actions)
 * or by a recorded schedule (replay: each step is matched to the enabled action it names).
 *
 * A choice is a number in [0, {@link CHOICE_MAX}]. The top band, from {@link FAULT_FROM}, picks a
 * fault (when one is enabled and the budget allows), so about one step in eleven strikes and
 * faults spread over a run instead of all landing in its first steps; any other value picks a
 * progress action modulo their number, oldest first, so 0 (and a choice list that has run out)
 * means "the oldest ready turn, else the oldest deliverable message, else the next input, else the
 * next timer": shrinking a choice towards 0 makes the schedule plainer and drops its faults.
 * At quiescence a fault choice may still strike (a node going down wakes the supervisors up);
 * any other choice ends the run there.
 */
import { ArborError, toError } from '../runtime/errors.js';
import type { DeadLetter } from '../runtime/system-events.js';
import { Simulation, stepKey, type Action } from './simulation.js';
import type { Step, WorkflowFailure, WorkflowFailureKind, WorkflowInput, WorkflowProperty, WorkflowSpec, WorkflowView } from './types.js';

/** How a run is driven. */
export type RunPlan = { inputs: readonly WorkflowInput[]; choices: readonly number[]; record?: boolean } | { replay: readonly Step[] };

export interface RunOutcome {
  failure: Omit<WorkflowFailure, 'seed'> | undefined;
  steps: number;
  quiescent: boolean;
  faults: number;
}

export const DEFAULT_MAX_STEPS = 500;
/** The largest choice. */
export const CHOICE_MAX = 255;
/** Choices from here up pick a fault. */
export const FAULT_FROM = 232;
export const DEFAULT_MAX_FAULTS = 2;

const settle = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

function makeView<W>(sim: Simulation<W>): WorkflowView<W> {
  return {
    snapshot: (path) => sim.cellAt(path)?.getSnapshot(),
    result: (path) => sim.resultAt(path),
    status: (path) => sim.cellAt(path)?.status,
    node: (path) => sim.nodeOf(path),
    get deadLetters(): readonly DeadLetter[] {
      if (sim.network.deadLetters.length === 0) return sim.deadLetters;
      const broker = sim.network.deadLetters.map((d) => ({ recipient: d.to, event: d.label, reason: new ArborError(d.code as 'DELIVERY_FAILED', d.message, { to: d.to }), at: sim.time.now() }));
      return [...sim.deadLetters, ...broker];
    },
    reports: sim.reports,
    journal: sim.journal,
    world: sim.world,
    get now() {
      return sim.time.now();
    },
  };
}

function rootExit(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return `root exited abnormally${typeof code === 'string' ? ` (${code})` : ''}: ${error.message}`;
}

/** The first property of `props` (its entries, listed once per run, not per step) that does not hold, with why. */
function violated<W>(props: ReadonlyArray<[string, WorkflowProperty<W>]> | undefined, view: WorkflowView<W>): { name: string; message: string } | undefined {
  if (!props) return undefined;
  for (const [name, prop] of props) {
    try {
      if (prop(view) === false) return { name, message: `"${name}" does not hold` };
    } catch (err) {
      return { name, message: `"${name}" threw: ${toError(err).message}` };
    }
  }
  return undefined;
}

/** Runs one schedule to its end, its first failure, or `maxSteps`. */
export async function runWorkflow<W>(spec: WorkflowSpec<W>, plan: RunPlan): Promise<RunOutcome> {
  const sim = await Simulation.create(spec, 'replay' in plan || plan.record !== false);
  const view = makeView(sim);
  const trace: Step[] = [];
  const maxSteps = spec.maxSteps ?? DEFAULT_MAX_STEPS;
  const maxFaults = spec.faults?.maxFaults ?? DEFAULT_MAX_FAULTS;
  const replay = 'replay' in plan ? plan.replay : undefined;
  const inputs = replay ? [] : (plan as { inputs: readonly WorkflowInput[] }).inputs;
  const choices = replay ? [] : (plan as { choices: readonly number[] }).choices;
  const invariants = spec.invariants ? Object.entries(spec.invariants) : undefined;
  let nextInput = 0;
  let quiescent = false;
  const fail = (kind: WorkflowFailureKind, message: string, name?: string): RunOutcome => ({
    failure: { kind, ...(name === undefined ? {} : { name }), message, schedule: trace, states: sim.states() },
    steps: trace.length,
    quiescent,
    faults: sim.faults,
  });

  for (let i = 0; ; i++) {
    const rootFailure = sim.rootFailure as Error | undefined;
    if (rootFailure) return fail('error', rootExit(rootFailure));
    // Under replay, inputs come from the schedule's own input steps.
    const inputsLeft = !replay && nextInput < inputs.length;
    const enabled = sim.actions(inputsLeft, sim.faults < maxFaults);
    if (enabled.progressCount === 0) {
      // Nothing ready: let promise chains catch up, then what they deferred to the end of the turn.
      await settle();
      await settle();
      sim.endTurn();
      sim.actions(inputsLeft, sim.faults < maxFaults);
      const late = sim.rootFailure as Error | undefined;
      if (late) return fail('error', rootExit(late));
    }
    let action: Action | undefined;
    let input: WorkflowInput | undefined;
    if (replay) {
      const want = replay[i];
      if (want === undefined) {
        quiescent = enabled.progressCount === 0;
        break;
      }
      if (want.kind === 'input') {
        action = { kind: 'input' };
        input = { to: want.to, event: want.event };
      } else {
        const key = stepKey(want);
        action = [...enabled.progress.slice(0, enabled.progressCount), ...enabled.faults.slice(0, enabled.faultCount)].find((a) => stepKey(sim.describe(a)) === key);
        if (!action) return fail('error', `the schedule diverged at step ${i + 1}: ${key} is not enabled`);
      }
    } else {
      if (i >= maxSteps) break;
      const c = choices[i] ?? 0;
      const fault = c >= FAULT_FROM && enabled.faultCount > 0 ? enabled.faults[(c - FAULT_FROM) % enabled.faultCount] : undefined;
      if (enabled.progressCount === 0) {
        quiescent = true;
        if (!fault) break;
        quiescent = false;
        action = fault;
      } else {
        action = fault ?? enabled.progress[c % enabled.progressCount];
      }
      if (action?.kind === 'input') input = inputs[nextInput++];
    }
    let step: Step;
    try {
      const done = sim.execute(action as Action, input);
      // Two microtask turns before the invariants, whether the step was asynchronous or not, so
      // that promise reactions of the step (results, exits) have run.
      if (done instanceof Promise) step = await done;
      else {
        step = done;
        await null;
      }
      // The step's turn of the event loop ends: batched reports go out (see Simulation.endTurn).
      sim.endTurn();
    } catch (err) {
      return fail('error', `the simulation threw: ${toError(err).message}`);
    }
    trace.push(step);
    await null;
    const broken = violated(invariants, view);
    if (broken) return fail('invariant', broken.message, broken.name);
  }
  if (!quiescent) return { failure: undefined, steps: trace.length, quiescent, faults: sim.faults };
  const unmet = violated(spec.eventually ? Object.entries(spec.eventually) : undefined, view);
  if (unmet) {
    return sim.stuck()
      ? fail('deadlock', `nothing left to run, deliver or fire, messages are stuck, and ${unmet.message}`, unmet.name)
      : fail('eventually', `nothing left to run, deliver or fire, and ${unmet.message}`, unmet.name);
  }
  return { failure: undefined, steps: trace.length, quiescent, faults: sim.faults };
}
