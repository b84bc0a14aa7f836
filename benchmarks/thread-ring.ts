/**
 * Thread ring (Savina "ThreadRing"): R actors in a ring pass a token H times; each hop is one
 * message to the next actor, carrying the hops left.
 *
 * Arbor: R XState machines spawned as root actors, each told its successor with an `init`
 * event; the token is started with an ask on the first actor and the actor that receives it with
 * no hops left replies to that ask. Baseline: nact, the same protocol as R nact actors started
 * with a nact `query`. Message shapes match (`{ type: 'token', remaining, replyTo }`); the ring
 * is built before the clock starts on both sides. A nact actor is a plain function, so this row
 * weighs XState's statechart interpreter too; two more rows split that out:
 *
 * - `thread-ring-reducers`: like for like with nact's reducer actors: Arbor running XState's
 *   reducer logic (`fromTransition`), sending with `ref.send` from the reducer.
 * - `thread-ring-xstate`: the same ring of machines on XState alone (`createActor().start()`,
 *   `sendTo` between them, the last hop resolving a promise): what Arbor costs over XState's own
 *   actors. Its note gives XState's own rate against nact's.
 */
import { dispatch, query, spawn, start, stop, type Ref } from 'nact';
import { assign, createActor, fromTransition, sendTo, setup, type AnyActorRef } from 'xstate';
import { createSystem, type ActorRef } from '../src/index.js';
import { compare, rateResult, type Result, type ScenarioOptions, type Side, target } from './harness.js';

const TIMEOUT = 300_000;
const RING = 100;

type TokenEvent = { type: 'token'; remaining: number; replyTo: ActorRef };
type RingEvent = { type: 'init'; next: ActorRef } | TokenEvent;

const member = setup({ types: { context: {} as { next?: ActorRef }, events: {} as RingEvent } }).createMachine({
  context: {},
  on: {
    init: { actions: assign({ next: ({ event }) => event.next }) },
    token: [
      { guard: ({ event }) => event.remaining === 0, actions: sendTo(({ event }) => target(event.replyTo), { type: 'done' }) },
      {
        actions: sendTo(
          ({ context }) => target(context.next),
          ({ event }) => ({ type: 'token', remaining: event.remaining - 1, replyTo: event.replyTo }),
        ),
      },
    ],
  },
});

/** The Arbor side: a ring of `logic` (the machine, or the reducer of the like-for-like row). */
function arborSide(hops: number, logic: typeof member | typeof memberReducer = member): Side {
  return {
    async setup() {
      const system = await createSystem({ node: 'bench', logger: false });
      const ring = Array.from({ length: RING }, (_, i) => system.spawn(logic as typeof member, { id: `ring-${i}` }));
      ring.forEach((ref, i) => ref.send({ type: 'init', next: ring[(i + 1) % RING]! }));
      const first = ring[0] as ActorRef;
      return {
        run: async () => {
          await first.ask({ type: 'token', remaining: hops }, { timeout: TIMEOUT });
        },
        teardown: () => system.shutdown(),
      };
    },
  };
}

type NactDone = { type: 'done' };
type NactRingMsg = { type: 'init'; next: Ref<NactRingMsg> } | { type: 'token'; remaining: number; replyTo: Ref<NactDone> };
type NactRingState = { next?: Ref<NactRingMsg> };

function nactSide(hops: number): Side {
  return {
    async setup() {
      const system = start();
      const ring = Array.from({ length: RING }, (_, i) =>
        spawn(
          system,
          (state: NactRingState, msg: NactRingMsg): NactRingState => {
            if (msg.type === 'init') return { next: msg.next };
            if (msg.remaining === 0) dispatch(msg.replyTo, { type: 'done' });
            else dispatch(state.next as Ref<NactRingMsg>, { type: 'token', remaining: msg.remaining - 1, replyTo: msg.replyTo });
            return state;
          },
          `ring-${i}`,
          { initialState: {} },
        ),
      );
      ring.forEach((ref, i) => dispatch(ref, { type: 'init', next: ring[(i + 1) % RING] as Ref<NactRingMsg> }));
      const first = ring[0] as Ref<NactRingMsg>;
      return {
        run: async () => {
          await query(first, (replyTo: Ref<NactDone>) => ({ type: 'token', remaining: hops, replyTo }), TIMEOUT);
        },
        teardown: () => stop(system),
      };
    },
  };
}

type ReducerMember = { next?: ActorRef };

/** A ring member as a reducer, nact's actor shape. */
const memberReducer = fromTransition((state: ReducerMember, event: RingEvent): ReducerMember => {
  if (event.type === 'init') return { next: event.next };
  if (event.type !== 'token') return state; // XState's own events (`xstate.stop`) reach reducers too
  if (event.remaining === 0) event.replyTo.send({ type: 'done' });
  else state.next?.send({ type: 'token', remaining: event.remaining - 1, replyTo: event.replyTo });
  return state;
}, {});

type XStateRingEvent = { type: 'init'; next: AnyActorRef } | { type: 'token'; remaining: number; done: () => void };

/** The first row's member on XState alone: `sendTo` XState refs, the last hop resolves a promise. */
const xstateMember = setup({ types: { context: {} as { next?: AnyActorRef }, events: {} as XStateRingEvent } }).createMachine({
  context: {},
  on: {
    init: { actions: assign({ next: ({ event }) => event.next }) },
    token: [
      { guard: ({ event }) => event.remaining === 0, actions: ({ event }) => event.done() },
      {
        actions: sendTo(
          ({ context }) => context.next as AnyActorRef,
          ({ event }) => ({ type: 'token', remaining: event.remaining - 1, done: event.done }),
        ),
      },
    ],
  },
});

function xstateSide(hops: number): Side {
  return {
    async setup() {
      const ring = Array.from({ length: RING }, () => createActor(xstateMember).start());
      ring.forEach((actor, i) => actor.send({ type: 'init', next: ring[(i + 1) % RING]! }));
      const first = ring[0]!;
      return {
        run: () => new Promise<void>((done) => first.send({ type: 'token', remaining: hops, done })),
        teardown: () => ring.forEach((actor) => actor.stop()),
      };
    },
  };
}

export async function threadRing({ quick }: ScenarioOptions): Promise<Result[]> {
  const hops = quick ? 10_000 : 100_000;
  const repeat = quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 };
  const machines = await compare(arborSide(hops), nactSide(hops), repeat);
  const reducers = await compare(arborSide(hops, memberReducer), nactSide(hops), repeat);
  const overXState = await compare(arborSide(hops), xstateSide(hops), repeat);
  const xstateVsNact = machines.baseline / overXState.baseline;
  return [
    rateResult(
      { id: 'thread-ring', unit: 'hops/s', baselineName: 'nact', target: 1.0, note: `${RING} XState machines; XState alone reaches ${xstateVsNact.toFixed(2)}× nact in this run` },
      hops,
      machines,
    ),
    rateResult({ id: 'thread-ring-reducers', unit: 'hops/s', baselineName: 'nact', target: 1.0, note: `${RING} fromTransition reducers, like nact` }, hops, reducers),
    rateResult({ id: 'thread-ring-xstate', unit: 'hops/s', baselineName: 'xstate createActor + sendTo', note: `the same ${RING} machines on XState alone` }, hops, overXState),
  ];
}
