/**
 * `checkMachine`: a bounded breadth-first search (shortest counterexamples, every event tried
 * from every snapshot it reaches) followed by fast-check random walks (deep states, varied
 * payloads), both recording into one {@link Observations}; the failures are then read off it,
 * each counterexample shrunk towards its own failure.
 */
import type { AnyStateMachine, EventObject } from 'xstate';
import { allStates, walkMachine } from '../diagrams/machine-walk.js';
import { concreteEvents, eventArbitrary, eventTypes } from './alphabet.js';
import { expand, explore } from './explore.js';
import { errorGoal, invariantGoal, reachesGoal } from './goals.js';
import { Observations } from './observations.js';
import { shortestFailing } from './shrink.js';
import { activeLeaves, activeStateIds } from './state-values.js';
import { normalizeCheckOptions } from './types.js';
import type { CheckFailure, CheckOptions, CheckReport, NormalizedCheckOptions } from './types.js';
import { walk } from './walks.js';

/**
 * Checks a machine for actions or guards that throw (`'error'`), broken invariants
 * (`'invariant'`), reachable non-final states that no event or delay can leave (`'deadlock'`)
 * and states that no event sequence reaches (`'unreachable'`). Every failure but
 * `'unreachable'` carries a shrunk counterexample that reproduces it on `createActor(machine)`.
 *
 * Events sent are the machine's own `on` event types and the `xstate.after.*` events of delayed
 * transitions (sending one fires the delay at once, so counterexamples replay without waiting).
 * An event without an arbitrary in `options.events` is sent as a bare `{ type }`: give one for
 * every event whose actions or guards read a payload, or the missing fields surface as errors.
 *
 * Counterexamples found by the breadth-first search are shortest; those only random walks found
 * are shrunk by fast-check and then until no single event can be dropped. The search is bounded
 * (`maxSteps`, `maxStates`), so machines with unbounded context terminate; a passing report
 * means "nothing found within the bounds", as `stats` shows. The same `seed` gives the same
 * report. Invoked actors are not run to completion: states waiting on one are never deadlocks.
 *
 * @example
 * import fc from 'fast-check';
 * import { checkMachine } from 'arbor';
 * const report = await checkMachine(cartMachine, {
 *   invariants: { 'total is never negative': (s) => s.context.total >= 0 },
 *   events: { add: fc.record({ qty: fc.nat(10) }) },
 *   numRuns: 200, seed: 42, maxSteps: 30,
 * });
 * if (!report.ok) console.log(report.failures[0]?.events); // e.g. [{ type: 'remove' }]
 */
export async function checkMachine<TMachine extends AnyStateMachine>(machine: TMachine, options: CheckOptions<TMachine> = {}): Promise<CheckReport> {
  const opts = normalizeCheckOptions(options as CheckOptions);
  const types = eventTypes(machine);
  const alphabet = concreteEvents(types, opts.events, opts.seed);
  const obs = new Observations(machine, opts.invariants, opts.input);
  const explored = explore(obs, alphabet, opts);
  runWalks(obs, eventArbitrary(types, opts.events), opts);
  const failures = [
    ...errorFailures(obs),
    ...invariantFailures(obs, opts),
    ...deadlockFailures(machine, obs, alphabet),
    ...unreachableFailures(machine, obs, explored.exhaustive),
  ];
  return {
    name: machine.id,
    ok: failures.length === 0,
    failures,
    seed: opts.seed,
    stats: { statesExplored: explored.statesExplored, exhaustive: explored.exhaustive, runs: obs.runs },
  };
}

function runWalks(obs: Observations, events: ReturnType<typeof eventArbitrary>, opts: NormalizedCheckOptions): void {
  if (!events) return;
  const known = new Set(obs.errors.keys());
  walk(events, errorGoal(obs, (message) => !known.has(message)), opts);
  for (const [name, invariant] of Object.entries(opts.invariants)) {
    if (!obs.violations.has(name)) walk(events, invariantGoal(obs, invariant), opts);
  }
}

function errorFailures(obs: Observations): CheckFailure[] {
  // Snapshot first: shrinking replays sequences, which records into obs.errors.
  return [...obs.errors.entries()].map(([message, found]) => ({
    kind: 'error' as const,
    state: found.state,
    events: shortestFailing(found.events, errorGoal(obs, (m) => m === message)),
    message,
  }));
}

function invariantFailures(obs: Observations, opts: NormalizedCheckOptions): CheckFailure[] {
  return Object.entries(opts.invariants).flatMap(([name, invariant]) => {
    const found = obs.violations.get(name);
    if (!found) return [];
    const events = shortestFailing(found.events, invariantGoal(obs, invariant));
    return [{ kind: 'invariant' as const, name, state: found.state, events, message: `invariant "${name}" ${found.message}` }];
  });
}

function deadlockFailures(machine: AnyStateMachine, obs: Observations, alphabet: readonly EventObject[]): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const [state, info] of [...obs.values.entries()]) {
    if (info.left || info.done || !canDeadlock(machine, info.value)) continue;
    // A value first met by a walk or at the depth bound has not had every event tried yet.
    if (!info.expanded) expand(obs, info.events, alphabet);
    if (info.left) continue;
    const events = shortestFailing(info.events, reachesGoal(obs, state));
    failures.push({ kind: 'deadlock', state, events, message: `no event or delay leaves "${state}" (tried ${alphabet.length} events)` });
  }
  return failures;
}

/**
 * Final states are never deadlocks, nor are states whose every active leaf is final (a parent's
 * `onDone` is then the machine's business), nor states waiting on an invoked actor, which the
 * checker does not run to completion.
 */
function canDeadlock(machine: AnyStateMachine, value: Parameters<typeof activeStateIds>[1]): boolean {
  if (activeLeaves(machine, value).every((leaf) => leaf.type === 'final')) return false;
  return !activeStateIds(machine, value).some((id) => machine.getStateNodeById(id).invoke.length > 0);
}

function unreachableFailures(machine: AnyStateMachine, obs: Observations, exhaustive: boolean): CheckFailure[] {
  const how = exhaustive ? 'no event sequence reaches it' : 'no explored event sequence reaches it (the search hit its bounds)';
  return allStates(walkMachine(machine).root)
    .filter((s) => s.path.length > 0 && s.type !== 'history' && !obs.reached.has(s.id))
    .map((s) => ({ kind: 'unreachable' as const, state: s.id, events: [], message: `state "${s.id}" is unreachable: ${how}` }));
}
