/**
 * Ping-pong (Savina "PingPong"): two actors bounce a message N times; one round trip is a `ping`
 * to the pong actor and its `pong` reply.
 *
 * - `ping-pong`: Arbor running two XState machines (spawned as root actors; the ping actor is
 *   started with an ask carrying both refs and replies to that ask after the last `pong`) against
 *   nact, the same protocol as two nact actors, started with a nact `query`. Message shapes are
 *   the same on both sides (`{ type: 'ping', from }`, `{ type: 'pong' }`, a `done` reply); both
 *   sides build the actors before the clock starts and stop when the starter's request resolves.
 *   A nact actor is a plain function, so this row weighs XState's statechart interpreter too.
 * - `ping-pong-reducers`: like for like with nact, whose actors are reducers
 *   `(state, msg) => state`: Arbor running XState's reducer logic (`fromTransition`), sending
 *   with `ref.send` from the reducer as nact's actors `dispatch` from theirs.
 * - `ping-pong-xstate`: the same two machines as the first row, on XState alone
 *   (`createActor().start()`, `sendTo` between them, the last `pong` resolving a promise): what
 *   Arbor's mailboxes, supervision and refs cost over XState's own actors. Its note gives XState's
 *   own rate against nact's, the bound the first row cannot pass.
 */
import { dispatch, query, spawn, start, stop, type Ref } from 'nact';
import { assign, createActor, fromTransition, sendTo, setup, type AnyActorRef } from 'xstate';
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

/** The two actors' logic on Arbor's side: the machines, or the reducers of the like-for-like row. */
interface PingPongLogic {
  ping: typeof pingMachine | typeof pingReducer;
  pong: typeof pongMachine | typeof pongReducer;
}

/** The Arbor side; `create` is another build's `createSystem` for the `nil-cost` scenario. */
export function arborSide(trips: number, create: typeof createSystem = createSystem, logic: PingPongLogic = { ping: pingMachine, pong: pongMachine }): Side {
  return {
    async setup() {
      const system = await create({ node: 'bench', logger: false });
      const pong = system.spawn(logic.pong as typeof pongMachine, { id: 'pong' });
      const ping = system.spawn(logic.ping as typeof pingMachine, { id: 'ping' });
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

type ReducerPing = { remaining: number; self?: ActorRef; pong?: ActorRef; replyTo?: ActorRef };
type ReducerPingEvent = { type: 'start'; n: number; self: ActorRef; pong: ActorRef; replyTo: ActorRef } | { type: 'pong' };

/** The ping actor as a reducer, nact's actor shape: it sends from the reducer, as nact's `dispatch`es from its. */
const pingReducer = fromTransition((state: ReducerPing, event: ReducerPingEvent): ReducerPing => {
  if (event.type === 'start') {
    event.pong.send({ type: 'ping', from: event.self });
    return { remaining: event.n, self: event.self, pong: event.pong, replyTo: event.replyTo };
  }
  if (event.type !== 'pong') return state; // XState's own events (`xstate.stop`) reach reducers too
  if (state.remaining <= 1) {
    state.replyTo?.send({ type: 'done' });
    return state;
  }
  state.pong?.send({ type: 'ping', from: state.self });
  return { ...state, remaining: state.remaining - 1 };
}, { remaining: 0 });

const pongReducer = fromTransition((state: null, event: { type: 'ping'; from: ActorRef }) => {
  if (event.type === 'ping') event.from.send({ type: 'pong' });
  return state;
}, null);

type XStatePingEvent = { type: 'start'; n: number; pong: AnyActorRef; done: () => void } | { type: 'pong' };

/** The first row's ping machine on XState alone: `sendTo` XState refs, the end resolves a promise. */
const xstatePing = setup({
  types: { context: {} as { remaining: number; pong?: AnyActorRef; done?: () => void }, events: {} as XStatePingEvent },
}).createMachine({
  context: { remaining: 0 },
  on: {
    start: {
      actions: [
        assign(({ event }) => ({ remaining: event.n, pong: event.pong, done: event.done })),
        sendTo(({ event }) => event.pong, ({ self }) => ({ type: 'ping', from: self })),
      ],
    },
    pong: [
      { guard: ({ context }) => context.remaining <= 1, actions: ({ context }) => context.done?.() },
      {
        actions: [
          assign({ remaining: ({ context }) => context.remaining - 1 }),
          sendTo(({ context }) => context.pong as AnyActorRef, ({ self }) => ({ type: 'ping', from: self })),
        ],
      },
    ],
  },
});

const xstatePong = setup({ types: { events: {} as { type: 'ping'; from: AnyActorRef } } }).createMachine({
  on: { ping: { actions: sendTo(({ event }) => event.from, { type: 'pong' }) } },
});

function xstateSide(trips: number): Side {
  return {
    async setup() {
      const pong = createActor(xstatePong).start();
      const ping = createActor(xstatePing).start();
      return {
        run: () => new Promise<void>((done) => ping.send({ type: 'start', n: trips, pong, done })),
        teardown: () => {
          ping.stop();
          pong.stop();
        },
      };
    },
  };
}

export async function pingPong({ quick }: ScenarioOptions): Promise<Result[]> {
  const trips = quick ? 20_000 : 200_000;
  const repeat = quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 };
  const machines = await compare(arborSide(trips), nactSide(trips), repeat);
  const reducers = await compare(arborSide(trips, createSystem, { ping: pingReducer, pong: pongReducer }), nactSide(trips), repeat);
  const overXState = await compare(arborSide(trips), xstateSide(trips), repeat);
  const xstateVsNact = machines.baseline / overXState.baseline;
  return [
    rateResult(
      { id: 'ping-pong', unit: 'round trips/s', baselineName: 'nact', target: 1.0, note: `XState machines; XState alone reaches ${xstateVsNact.toFixed(2)}× nact in this run` },
      trips,
      machines,
    ),
    rateResult({ id: 'ping-pong-reducers', unit: 'round trips/s', baselineName: 'nact', target: 1.0, note: 'fromTransition reducers, like nact' }, trips, reducers),
    rateResult({ id: 'ping-pong-xstate', unit: 'round trips/s', baselineName: 'xstate createActor + sendTo', note: 'the same machines on XState alone' }, trips, overXState),
  ];
}
