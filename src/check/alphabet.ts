/**
 * The events the checker may send: every event type named in the machine's `on` maps (minus
 * wildcards and XState's own `xstate.*` events), plus the `xstate.after.*` event of every delayed
 * transition, since a delay is a way to leave a state. Payloads come from the caller's arbitraries.
 *
 * An invoked actor's `xstate.done.actor.<id>` / `xstate.error.actor.<id>` event is sent only when
 * the caller gives an arbitrary for it (e.g. `fc.record({ output: ... })`): made-up outputs would
 * otherwise crash actions that read them and be reported as errors of the machine.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { AnyStateMachine, EventObject } from 'xstate';
import { allStates, walkMachine } from '../diagrams/machine-walk.js';

/** Concrete payloads the breadth-first search tries per event type that has an arbitrary. */
const PAYLOAD_SAMPLES = 3;

/** The event types of a machine, in definition order. */
export interface EventTypes {
  /** Types the user sends. */
  readonly user: readonly string[];
  /** `xstate.after.*` types of delayed transitions. */
  readonly delayed: readonly string[];
  /** `xstate.done.actor.*` and `xstate.error.actor.*` types of invoked actors. */
  readonly invoked: readonly string[];
}

/** Collects the event types of `machine` (see the module comment for what counts). */
export function eventTypes(machine: AnyStateMachine): EventTypes {
  const user = new Set<string>();
  const delayed = new Set<string>();
  const invoked = new Set<string>();
  for (const state of allStates(walkMachine(machine).root)) {
    for (const t of state.transitions) {
      if (t.kind === 'delayed') delayed.add(t.event);
      else if (/^xstate\.(done|error)\.actor\./.test(t.event)) invoked.add(t.event);
      else if (t.kind === 'event' && !t.event.includes('*') && !t.event.startsWith('xstate.')) user.add(t.event);
    }
  }
  return { user: [...user], delayed: [...delayed], invoked: [...invoked] };
}

/** User types, then the invoked actors' types that have an arbitrary. */
function sentTypes(types: EventTypes, payloads: Readonly<Record<string, Arbitrary<unknown>>>): string[] {
  return [...types.user, ...types.invoked.filter((type) => payloads[type] !== undefined)];
}

function withType(type: string, payload: unknown): EventObject {
  const fields = typeof payload === 'object' && payload !== null ? payload : {};
  return { ...fields, type };
}

/**
 * A few concrete events per type for the breadth-first search: `{ type }` when no arbitrary is
 * given, else up to {@link PAYLOAD_SAMPLES} distinct payloads sampled with `seed`.
 */
export function concreteEvents(types: EventTypes, payloads: Readonly<Record<string, Arbitrary<unknown>>>, seed: number): EventObject[] {
  const events: EventObject[] = [];
  for (const type of sentTypes(types, payloads)) {
    const arb = payloads[type];
    if (!arb) {
      events.push({ type });
      continue;
    }
    const seen = new Set<string>();
    for (const payload of fc.sample(arb, { seed, numRuns: PAYLOAD_SAMPLES * 3 })) {
      const key = JSON.stringify(payload) ?? String(payload);
      if (seen.has(key)) continue;
      seen.add(key);
      events.push(withType(type, payload));
      if (seen.size === PAYLOAD_SAMPLES) break;
    }
  }
  return [...events, ...types.delayed.map((type) => ({ type }))];
}

/** An arbitrary over all events of the machine, for random walks. */
export function eventArbitrary(types: EventTypes, payloads: Readonly<Record<string, Arbitrary<unknown>>>): Arbitrary<EventObject> | undefined {
  const arbs = [
    ...sentTypes(types, payloads).map((type) => payloads[type]?.map((p) => withType(type, p)) ?? fc.constant<EventObject>({ type })),
    ...types.delayed.map((type) => fc.constant<EventObject>({ type })),
  ];
  return arbs.length > 0 ? fc.oneof(...arbs) : undefined;
}
