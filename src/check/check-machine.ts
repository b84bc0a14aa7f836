/**
 * `checkMachine`: on a copy of the machine whose actors are simulated (`simulate.ts`), a bounded
 * breadth-first search (shortest counterexamples, every event, payload and actor outcome tried
 * from every snapshot it reaches) followed by coverage-guided random walks (deep states), both
 * recording into one {@link Observations}; the failures are then read off it, each
 * counterexample shrunk towards its own failure, and what kept the search from being exhaustive
 * is listed.
 */
import type { AnyStateMachine } from 'xstate';
import { allStates, walkMachine } from '../diagrams/machine-walk.js';
import { Alphabet } from './alphabet.js';
import type { Sampler } from './domains.js';
import { expand, explore } from './explore.js';
import { errorGoal, invariantGoal, reachesGoal } from './goals.js';
import { Observations } from './observations.js';
import type { Observed } from './observations.js';
import { normalizeCheckOptions } from './options.js';
import { shortestFailing } from './shrink.js';
import { simulatedMachine } from './simulate.js';
import { possiblyEntered } from './static-reach.js';
import { activeLeaves, activeStateIds } from './state-values.js';
import type { CheckFailure, CheckOptions, CheckReport, NormalizedCheckOptions } from './types.js';
import { coverageWalks } from './walks.js';

/**
 * Checks a machine for actions or guards that throw (`'error'`), broken invariants
 * (`'invariant'`), reachable non-final states that no event, delay or actor outcome can leave
 * (`'deadlock'`) and states that no event sequence reaches (`'unreachable'`). Every failure but
 * `'unreachable'` carries a shrunk counterexample that {@link replayEvents} reproduces.
 *
 * Events sent are the machine's own `on` event types and the `xstate.after.*` events of delayed
 * transitions (sending one fires the delay at once, so counterexamples replay without waiting).
 * Invoked and spawned actors are simulated, never run (unless `actors[src].run`): where one runs,
 * its outcomes are part of the search, as `xstate.done.actor.<id>` (with each output of
 * `actors[src].output`) and `xstate.error.actor.<id>` events in the counterexample.
 *
 * The search is a bounded breadth-first search (shortest counterexamples; small finite payload
 * domains tried in full), then coverage-guided random walks that extend whatever reached
 * something new. `stats.exhaustive` is true only when the whole space was explored; otherwise
 * `stats.incomplete` says why, and an unreachable state is "not reached within the bounds".
 * A state is a deadlock only if no event with any payload leaves it: where that depends on a
 * payload that was guessed or sampled, the report adds a note instead. The same `seed` gives the
 * same report.
 *
 * @example
 * import fc from 'fast-check';
 * import { checkMachine } from 'arbor';
 * const report = await checkMachine(cartMachine, {
 *   invariants: { 'total is never negative': (s) => s.context.total >= 0 },
 *   events: { add: fc.record({ qty: fc.integer({ min: 0, max: 5 }) }) },
 *   actors: { fetchPrices: { output: [{ apple: 1 }, { apple: 2 }], error: true } },
 *   numRuns: 200, seed: 42, maxSteps: 30,
 * });
 * if (!report.ok) console.log(report.failures[0]?.events); // e.g. [{ type: 'remove' }]
 */
export async function checkMachine<TMachine extends AnyStateMachine>(machine: TMachine, options: CheckOptions<TMachine> = {}): Promise<CheckReport> {
  const opts = normalizeCheckOptions(options as CheckOptions);
  const simulated = simulatedMachine(machine, (name) => opts.actors[name]?.run === true);
  const alphabet = new Alphabet(simulated, opts, await sampler());
  const obs = new Observations(simulated, opts.invariants, opts.input);
  const explored = explore(obs, alphabet, opts);
  // Walks add nothing to a search that emptied with every payload domain enumerated in full.
  if (!explored.exhaustive || alphabet.sampledTypes().length > 0) coverageWalks(obs, alphabet, { runs: opts.numRuns * (1 + Object.keys(opts.invariants).length), seed: opts.seed, maxSteps: opts.maxSteps });
  const failedAtStart = [...obs.errors.values()].some((e) => e.events.length === 0);
  const incomplete = [...(failedAtStart ? ['the machine fails at start, before any event (see the error; does it need input?)'] : []), ...incompleteness(obs, alphabet, opts, explored.exhaustive)];
  const deadlocks = deadlockFailures(obs, alphabet);
  const failures = [
    ...errorFailures(obs, alphabet),
    ...invariantFailures(obs, opts),
    ...deadlocks.failures,
    ...unreachableFailures(obs, incomplete),
  ];
  return {
    name: machine.id,
    ok: failures.length === 0,
    failures,
    seed: opts.seed,
    stats: { statesExplored: explored.statesExplored, exhaustive: incomplete.length === 0, incomplete, runs: obs.runs },
    notes: deadlocks.notes,
  };
}

/** fast-check, loaded on first use: importing the checker must not load it. */
async function sampler(): Promise<Sampler> {
  const fc = (await import('fast-check')).default;
  return (arbitrary, count, seed) => fc.sample(arbitrary as Parameters<typeof fc.sample>[0], { numRuns: count, seed });
}

/** Why the explored space may not be the whole space; empty when it is. */
function incompleteness(obs: Observations, alphabet: Alphabet, opts: NormalizedCheckOptions, searchEmptied: boolean): string[] {
  const reasons: string[] = [];
  if (!searchEmptied) reasons.push(`the search hit its bounds (maxSteps ${opts.maxSteps}, maxStates ${opts.maxStates})`);
  for (const type of alphabet.sampledTypes()) reasons.push(`payloads of ${type} were sampled, not enumerated`);
  for (const type of guessedPayloadTypes(obs, alphabet)) reasons.push(`payloads of ${type} were guessed (no events.${type} given, and the machine reads its fields)`);
  for (const what of alphabet.guessed) reasons.push(`the ${what} was guessed`);
  if ([...obs.values.values()].some((info) => info.realChild)) reasons.push('some actors ran for real, and what they do later was not explored');
  return reasons;
}

/** Event types sent without a payload source whose fields the machine read somewhere. */
function guessedPayloadTypes(obs: Observations, alphabet: Alphabet): string[] {
  const types = new Set<string>();
  for (const info of obs.values.values()) {
    for (const [type, fields] of info.reads) if (fields.size > 0 && !alphabet.domainOf(type)) types.add(type);
  }
  return [...types];
}
function errorFailures(obs: Observations, alphabet: Alphabet): CheckFailure[] {
  // Snapshot first: shrinking replays sequences, which records into obs.errors.
  return [...obs.errors.entries()].map(([message, found]) => {
    const events = shortestFailing(found.events, errorGoal(obs, (m) => m === message));
    return { kind: 'error' as const, state: found.state, events, message: message + guessedCause(found, alphabet) };
  });
}

/** Why an error may be the checker's doing: it read fields of a payload nobody described. */
function guessedCause(found: Observed, alphabet: Alphabet): string {
  const type = found.events.at(-1)?.type;
  if (type === undefined || !found.read?.length || alphabet.domainOf(type)) return '';
  return ` (with a guessed payload: ${type} was sent without fields, and the machine read ${found.read.join(', ')}; give events.${type})`;
}

function invariantFailures(obs: Observations, opts: NormalizedCheckOptions): CheckFailure[] {
  return Object.entries(opts.invariants).flatMap(([name, invariant]) => {
    const found = obs.violations.get(name);
    if (!found) return [];
    const events = shortestFailing(found.events, invariantGoal(obs, invariant));
    return [{ kind: 'invariant' as const, name, state: found.state, events, message: `invariant "${name}" ${found.message}` }];
  });
}

function deadlockFailures(obs: Observations, alphabet: Alphabet): { failures: CheckFailure[]; notes: string[] } {
  const failures: CheckFailure[] = [];
  const notes: string[] = [];
  for (const [state, info] of [...obs.values.entries()]) {
    if (info.left || info.done || info.realChild || !canDeadlock(obs.machine, info.value)) continue;
    // A value first met by a walk or at the depth bound has not had every event tried yet.
    if (!info.expanded) expand(obs, info.events, alphabet);
    if (info.left) continue;
    // An exit may need a payload nobody described: then no deadlock is proven.
    const unsure = [...info.reads.entries()].filter(([type, fields]) => fields.size > 0 && !alphabet.domainOf(type)?.complete);
    if (unsure.length > 0) {
      const what = unsure.map(([type, fields]) => `${type} (reads ${[...fields].join(', ')})`).join(', ');
      notes.push(`"${state}": no event tried leaves it, but its handlers read payloads that were ${unsure.some(([t]) => alphabet.domainOf(t)) ? 'sampled' : 'guessed'}: ${what}; give every payload in events to decide whether it is a deadlock`);
      continue;
    }
    const events = shortestFailing(info.events, reachesGoal(obs, state));
    const tried = alphabet.fixed.length;
    failures.push({ kind: 'deadlock', state, events, message: `no event or delay leaves "${state}" (tried ${tried} event${tried === 1 ? '' : 's'} with every payload)` });
  }
  return { failures, notes };
}

/**
 * Final states are never deadlocks, nor are states whose every active leaf is final (a parent's
 * `onDone` is then the machine's business), nor states that invoke an actor: a long-running
 * service (a listener, a socket) may keep a state busy for good by design.
 */
function canDeadlock(machine: AnyStateMachine, value: Parameters<typeof activeStateIds>[1]): boolean {
  if (activeLeaves(machine, value).every((leaf) => leaf.type === 'final')) return false;
  return !activeStateIds(machine, value).some((id) => machine.getStateNodeById(id).invoke.length > 0);
}

function unreachableFailures(obs: Observations, incomplete: readonly string[]): CheckFailure[] {
  const root = walkMachine(obs.machine).root;
  const enterable = possiblyEntered(root);
  const searched = incomplete.length === 0 ? 'no event sequence reaches it' : `not reached within the bounds of the search (not exhaustive: ${incomplete.join('; ')})`;
  return allStates(root)
    .filter((s) => s.path.length > 0 && s.type !== 'history' && !obs.reached.has(s.id))
    .map((s) => {
      // No transition leads there at all: certain, however the search went.
      const how = enterable.has(s.id) ? searched : 'no transition enters it or a state inside it';
      return { kind: 'unreachable' as const, state: s.id, events: [], message: `state "${s.id}" is unreachable: ${how}` };
    });
}
