/**
 * Thread ring (Savina "ThreadRing"): R actors in a ring pass a token H times; each hop is one
 * message to the next actor, carrying the hops left.
 *
 * Arbor: R XState machines spawned as root actors, each told its successor with an `init`
 * event; the token is started with an ask on the first actor and the actor that receives it with
 * no hops left replies to that ask. Baseline: nact, the same protocol as R nact actors started
 * with a nact `query`. Message shapes match (`{ type: 'token', remaining, replyTo }`); the ring
 * is built before the clock starts on both sides.
 */
import { dispatch, query, spawn, start, stop, type Ref } from 'nact';
import { assign, sendTo, setup } from 'xstate';
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

function arborSide(hops: number): Side {
  return {
    async setup() {
      const system = await createSystem({ node: 'bench', logger: false });
      const ring = Array.from({ length: RING }, (_, i) => system.spawn(member, { id: `ring-${i}` }));
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

export async function threadRing({ quick }: ScenarioOptions): Promise<Result[]> {
  const hops = quick ? 10_000 : 100_000;
  const timing = await compare(arborSide(hops), nactSide(hops), quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 });
  return [rateResult({ id: 'thread-ring', unit: 'hops/s', baselineName: 'nact', note: `${RING} actors` }, hops, timing)];
}
