/**
 * Machines exercising XState's structure for the checker's tests: history inside a parallel
 * state, `stateIn` guards, `always`, a callback actor that emits events, spawned actors ending
 * through `xstate.done.actor.<id>`, and a machine that logs.
 */
import { assign, createMachine, fromCallback, fromPromise, log, sendTo, setup, spawnChild, stateIn, stopChild } from 'xstate';

/** A media player: the parallel `on` state remembers its playback position through history. */
export const player = createMachine({
  id: 'player',
  initial: 'off',
  states: {
    off: { on: { POWER: 'on.hist', RESUME: 'on.playback.hist' } },
    on: {
      type: 'parallel',
      on: { POWER: 'off' },
      states: {
        playback: {
          initial: 'paused',
          states: {
            paused: { on: { PLAY: 'playing' } },
            playing: { on: { PAUSE: 'paused', SEEK: 'seeking' } },
            seeking: { after: { 500: 'playing' } },
            hist: { type: 'history', history: 'shallow' },
          },
        },
        volume: {
          initial: 'normal',
          states: {
            normal: { on: { MUTE: 'muted' } },
            muted: { on: { UNMUTE: 'normal' }, always: { guard: stateIn('#player.on.playback.seeking'), target: 'normal' } },
          },
        },
        hist: { type: 'history', history: 'deep' },
      },
    },
  },
});

/** A heartbeat: a callback actor sends `TICK`s; three of them without a `PONG` mean the peer is gone. */
export const heartbeat = setup({
  types: { context: {} as { missed: number } },
  actors: {
    ticker: fromCallback(({ sendBack }) => {
      const timer = setInterval(() => sendBack({ type: 'TICK' }), 1000);
      return () => clearInterval(timer);
    }),
  },
}).createMachine({
  id: 'heartbeat',
  initial: 'connected',
  context: { missed: 0 },
  states: {
    connected: {
      invoke: { src: 'ticker' },
      always: { guard: ({ context }) => context.missed >= 3, target: 'lost' },
      on: { TICK: { actions: assign({ missed: ({ context }) => context.missed + 1 }) }, PONG: { actions: assign({ missed: 0 }) } },
    },
    lost: { on: { RECONNECT: { target: 'connected', actions: assign({ missed: 0 }) } } },
  },
});

/** Uploads: each is a spawned actor; the parent hears `xstate.done.actor.upload`/`error` at its root. */
export const uploader = setup({
  types: { context: {} as { uploaded: number; failed: number } },
  actors: { upload: fromPromise(async () => 'url') },
}).createMachine({
  id: 'uploader',
  initial: 'idle',
  context: { uploaded: 0, failed: 0 },
  states: {
    idle: { on: { PICK: { target: 'uploading', actions: spawnChild('upload', { id: 'upload' }) } } },
    uploading: {
      on: {
        'xstate.done.actor.upload': { target: 'idle', actions: assign({ uploaded: ({ context }) => context.uploaded + 1 }) },
        'xstate.error.actor.upload': { target: 'retrying', actions: assign({ failed: ({ context }) => context.failed + 1 }) },
        ABORT: { target: 'idle', actions: stopChild('upload') },
      },
    },
    retrying: { on: { RETRY: { target: 'uploading', actions: spawnChild('upload', { id: 'upload' }) }, ABORT: 'idle' } },
  },
});

/** A chatty machine: it logs with XState's `log()` and with `console.log` on every event. */
export const chatty = setup({
  actions: {
    shout: () => {
      console.log('chatty: an action printed this');
    },
  },
}).createMachine({
  id: 'chatty',
  initial: 'a',
  states: {
    a: { entry: [log('chatty: entering a'), 'shout'], on: { NEXT: 'b' } },
    b: { entry: [log('chatty: entering b'), 'shout'], on: { NEXT: 'a', PING: { actions: sendTo(({ self }) => self, { type: 'NOOP' }) } } },
  },
});
