/**
 * Ping-pong (Savina "PingPong"): two actors bounce a message N times; one round trip is a `ping`
 * to the pong actor and its `pong` reply.
 *
 * Arbor: two XState machines spawned as root actors; the ping actor is started with an ask
 * carrying both refs and replies to that ask after the last `pong`. Baseline: nact, the same
 * protocol as two nact actors, started with a nact `query`. Message shapes are the same on both
 * sides (`{ type: 'ping', from }`, `{ type: 'pong' }`, a `done` reply); both sides build the
 * actors before the clock starts and stop when the starter's request resolves.
 */
import { dispatch, query, spawn, start, stop, type Ref } from 'nact';
import { assign, sendTo, setup } from 'xstate';
import { createSystem, type ActorRef } from '../src/index.js';
import { compare, rateResult, type Result, type ScenarioOptions, type Side, target } from './harness.js';

const TIMEOUT = 300_000;

type PingEvent = { type: 'start'; n: number; self: ActorRef; pong: ActorRef; replyTo: ActorRef } | { type: 'pong' };

const pingMachine = setup({
  types: {
    context: {} as { remaining: number; self?: ActorRef; pong?: ActorRef; replyTo?: ActorRef },
    events: {} as PingEvent,
  },
}).createMachine({
  context: { remaining: 0 },
  on: {
    start: {
      actions: [
        assign(({ event }) => ({ remaining: event.n, self: event.self, pong: event.pong, replyTo: event.replyTo })),
        sendTo(({ event }) => target(event.pong), ({ event }) => ({ type: 'ping', from: event.self })),
      ],
    },
    pong: [
      { guard: ({ context }) => context.remaining <= 1, actions: sendTo(({ context }) => target(context.replyTo), { type: 'done' }) },
      {
        actions: [
          assign({ remaining: ({ context }) => context.remaining - 1 }),
          sendTo(({ context }) => target(context.pong), ({ context }) => ({ type: 'ping', from: context.self })),
        ],
      },
    ],
  },
});

const pongMachine = setup({ types: { events: {} as { type: 'ping'; from: ActorRef } } }).createMachine({
  on: { ping: { actions: sendTo(({ event }) => target(event.from), { type: 'pong' }) } },
});

/** The Arbor side; `create` is another build's `createSystem` for the `nil-cost` scenario. */
export function arborSide(trips: number, create: typeof createSystem = createSystem): Side {
  return {
    async setup() {
      const system = await create({ node: 'bench', logger: false });
      const pong = system.spawn(pongMachine, { id: 'pong' });
      const ping = system.spawn(pingMachine, { id: 'ping' });
      return {
        run: async () => {
          await ping.ask({ type: 'start', n: trips, self: ping, pong }, { timeout: TIMEOUT });
        },
        teardown: () => system.shutdown(),
      };
    },
  };
}

type NactPingState = { remaining: number; pong?: Ref<NactPongMsg>; replyTo?: Ref<NactDone> };
type NactDone = { type: 'done' };
type NactPingMsg = { type: 'start'; n: number; pong: Ref<NactPongMsg>; replyTo: Ref<NactDone> } | { type: 'pong' };
type NactPongMsg = { type: 'ping'; from: Ref<NactPingMsg> };

function nactSide(trips: number): Side {
  return {
    async setup() {
      const system = start();
      const pong = spawn(system, (state: undefined, msg: NactPongMsg) => {
        dispatch(msg.from, { type: 'pong' });
        return state;
      }, 'pong');
      const ping = spawn(
        system,
        (state: NactPingState, msg: NactPingMsg, ctx): NactPingState => {
          if (msg.type === 'start') {
            dispatch(msg.pong, { type: 'ping', from: ctx.self });
            return { remaining: msg.n, pong: msg.pong, replyTo: msg.replyTo };
          }
          if (state.remaining <= 1) {
            dispatch(state.replyTo as Ref<NactDone>, { type: 'done' });
            return state;
          }
          dispatch(state.pong as Ref<NactPongMsg>, { type: 'ping', from: ctx.self });
          return { ...state, remaining: state.remaining - 1 };
        },
        'ping',
        { initialState: { remaining: 0 } },
      );
      return {
        run: async () => {
          await query(ping, (replyTo: Ref<NactDone>) => ({ type: 'start', n: trips, pong, replyTo }), TIMEOUT);
        },
        teardown: () => stop(system),
      };
    },
  };
}

export async function pingPong({ quick }: ScenarioOptions): Promise<Result[]> {
  const trips = quick ? 20_000 : 200_000;
  const timing = await compare(arborSide(trips), nactSide(trips), quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 });
  return [rateResult({ id: 'ping-pong', unit: 'round trips/s', baselineName: 'nact', target: 1.0 }, trips, timing)];
}
