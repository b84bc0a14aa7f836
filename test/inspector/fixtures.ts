/** Machines the inspector's tests and scripts run: a traffic light that can crash, and a ping that replies. */
import { assign, createMachine } from 'xstate';
import type { ActorRef } from '../../src/index.js';

/** `next` cycles green → yellow → red; `boom` crashes it in any state. */
export const light = createMachine({
  id: 'light',
  initial: 'green',
  on: {
    boom: {
      actions: () => {
        throw new Error('boom');
      },
    },
  },
  states: {
    green: { on: { next: 'yellow' } },
    yellow: { on: { next: 'red' } },
    red: { on: { next: 'green' } },
  },
});

type Ping = { type: 'ping'; correlationId: string; replyTo: ActorRef } | { type: 'pong'; correlationId: string };

/** On `ping`, sends `pong` (same correlation id) to `replyTo`; counts pongs it receives. */
export const pinger = createMachine({
  id: 'pinger',
  types: {} as { events: Ping; context: { pongs: number } },
  context: { pongs: 0 },
  initial: 'ready',
  states: {
    ready: {
      on: {
        ping: { actions: ({ event }) => event.replyTo.send({ type: 'pong', correlationId: event.correlationId }) },
        pong: { actions: assign({ pongs: ({ context }) => context.pongs + 1 }) },
      },
    },
  },
});
