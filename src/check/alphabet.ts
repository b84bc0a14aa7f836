/**
 * The events the checker may send: every event type named in the machine's `on` maps (minus
 * wildcards and XState's own `xstate.*` events), the `xstate.after.*` event of every delayed
 * transition (a delay is a way to leave a state), and, in a snapshot where a simulated actor runs,
 * that actor's outcomes: done with each output of its domain, or an error.
 *
 * Payloads and outputs come from domains (see `domains.ts`). Where the caller gave none, an event
 * is sent as a bare `{ type }` and an actor ends with `output: undefined` or a plain `Error`:
 * guesses, which the alphabet remembers so that the report can say the search was not exhaustive.
 */
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { allStates, walkMachine } from '../diagrams/machine-walk.js';
import { guessedDomain, payloadDomain } from './domains.js';
import type { PayloadDomain, Sampler } from './domains.js';
import { actorName, optionKeys, runningStandIns } from './simulate.js';
import type { NormalizedCheckOptions } from './types.js';

/** The event types of a machine, in definition order. */
export interface EventTypes {
  /** Types the user sends. */
  readonly user: readonly string[];
  /** `xstate.after.*` types of delayed transitions. */
  readonly delayed: readonly string[];
}

/** Collects the event types of `machine` (see the module comment for what counts). */
export function eventTypes(machine: AnyStateMachine): EventTypes {
  const user = new Set<string>();
  const delayed = new Set<string>();
  for (const state of allStates(walkMachine(machine).root)) {
    for (const t of state.transitions) {
      if (t.kind === 'delayed') delayed.add(t.event);
      else if (t.kind === 'event' && !t.event.includes('*') && !t.event.startsWith('xstate.')) user.add(t.event);
    }
  }
  return { user: [...user], delayed: [...delayed] };
}

function withType(type: string, payload: unknown): EventObject {
  const fields = typeof payload === 'object' && payload !== null ? payload : {};
  return { ...fields, type };
}

/** What the checker can send, given a machine and its options. */
export class Alphabet {
  /** Events tried from every snapshot by the breadth-first search, in order. */
  readonly fixed: readonly EventObject[];
  /** Why outcomes delivered so far were not their whole space (`output of fetchUser guessed`). */
  readonly guessed = new Set<string>();
  private readonly domains = new Map<string, PayloadDomain>();
  private readonly outcomeDomains = new Map<string, PayloadDomain | undefined>();
  private readonly types: EventTypes;
  /** Outcome event types some transition handles (`onDone`, `onError`, or `on` at any level). */
  private readonly handled: ReadonlySet<string>;

  constructor(
    machine: AnyStateMachine,
    private readonly opts: NormalizedCheckOptions,
    private readonly sample: Sampler,
  ) {
    this.types = eventTypes(machine);
    this.handled = handledOutcomes(machine);
    for (const [type, source] of Object.entries(opts.events)) {
      if (source !== undefined) this.domains.set(type, payloadDomain(source, sample, opts.seed));
    }
    this.fixed = [
      ...this.types.user.flatMap((type) => (this.domains.get(type)?.values ?? [{}]).map((p) => withType(type, p))),
      ...this.types.delayed.map((type) => ({ type })),
    ];
  }

  /** The payload domain given for an event type, if any. */
  domainOf(type: string): PayloadDomain | undefined {
    return this.domains.get(type);
  }

  /** Event types whose payloads were sampled rather than enumerated in full. */
  sampledTypes(): string[] {
    return [...this.domains.entries()].filter(([, d]) => !d.complete).map(([type]) => type);
  }

  /** Every outcome a running simulated actor of `snapshot` can have, for the breadth-first search. */
  outcomes(snapshot: AnyMachineSnapshot): EventObject[] {
    return runningStandIns(snapshot).flatMap(([id, child]) => {
      const name = actorName(child, id);
      const done = this.outcomeDomain('done', id, name);
      const error = this.outcomeDomain('error', id, name);
      return [...(done?.values ?? []).map((p) => withType(`xstate.done.actor.${id}`, p)), ...(error?.values ?? []).map((p) => withType(`xstate.error.actor.${id}`, p))];
    });
  }

  /** A random event possible in `snapshot`, with a payload drawn from its domain's pool. */
  pick(snapshot: AnyMachineSnapshot, random: () => number): EventObject | undefined {
    const slots: (() => EventObject | undefined)[] = [
      ...this.types.user.map((type) => () => withType(type, pickFrom(this.domains.get(type)?.pool ?? [{}], random))),
      ...this.types.delayed.map((type) => () => ({ type })),
      ...runningStandIns(snapshot).flatMap(([id, child]) =>
        (['done', 'error'] as const).map((kind) => () => {
          const domain = this.outcomeDomain(kind, id, actorName(child, id));
          return domain ? withType(`xstate.${kind}.actor.${id}`, pickFrom(domain.pool, random)) : undefined;
        }),
      ),
    ];
    return slots.length === 0 ? undefined : pickFrom(slots, random)?.();
  }

  /**
   * The payloads (`{ output }` or `{ error }`) tried for one outcome of actor `id` (named `name`
   * in the options), or `undefined` when that outcome is ruled out (`error: false`).
   */
  private outcomeDomain(kind: 'done' | 'error', id: string, name: string): PayloadDomain | undefined {
    const type = `xstate.${kind}.actor.${id}`;
    const key = `${type}\u0000${name}`;
    if (!this.outcomeDomains.has(key)) this.outcomeDomains.set(key, this.buildOutcomeDomain(kind, type, name));
    const domain = this.outcomeDomains.get(key);
    const shown = optionKeys(name).at(-1) ?? name;
    if (domain && !domain.complete) this.guessed.add(kind === 'done' ? `output of actor "${shown}"` : `error of actor "${shown}"`);
    return domain;
  }

  private buildOutcomeDomain(kind: 'done' | 'error', type: string, name: string): PayloadDomain | undefined {
    // The documented way before actors were simulated: an arbitrary for the outcome event itself.
    const given = this.domains.get(type);
    if (given) return given;
    const key = optionKeys(name).find((k) => this.opts.actors[k] !== undefined);
    const spec = key === undefined ? undefined : this.opts.actors[key];
    const field = kind === 'done' ? 'output' : 'error';
    const source = kind === 'done' ? spec?.output : spec?.error;
    if (source === false) return undefined;
    // An outcome nothing handles changes nothing but the children: not worth a guess. (A failure
    // nobody handles would crash the machine, but only if the actor can fail: say so with `error: true`.)
    if (source === undefined && !this.handled.has(type)) return undefined;
    if (source === undefined || source === true) {
      return wrapDomain(guessedDomain(kind === 'done' ? undefined : new Error(`simulated failure of actor "${name}"`)), field);
    }
    return wrapDomain(payloadDomain(source, this.sample, this.opts.seed), field);
  }
}

function handledOutcomes(machine: AnyStateMachine): Set<string> {
  const types = new Set<string>();
  for (const state of allStates(walkMachine(machine).root)) {
    for (const t of state.transitions) if (t.kind === 'done' || t.kind === 'error') types.add(t.event);
  }
  return types;
}

function wrapDomain(domain: PayloadDomain, field: 'output' | 'error'): PayloadDomain {
  const wrap = (v: unknown): unknown => ({ [field]: v });
  return { values: domain.values.map(wrap), pool: domain.pool.map(wrap), complete: domain.complete };
}

function pickFrom<T>(items: readonly T[], random: () => number): T | undefined {
  return items[Math.floor(random() * items.length)];
}
