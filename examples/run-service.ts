/**
 * A module for `arbor run` that runs until it is stopped: a `ticker` counts while it runs and, on
 * SIGINT/SIGTERM, drains for a moment before it stops (it handles `arbor.shutdown`). It also
 * exports `kinds`, so a node started with it hosts tickers for supervisors on other nodes:
 *
 *   npx arbor run examples/run-service.ts                                  # Ctrl-C to stop
 *   npx arbor run examples/run-service.ts --broker amqp://localhost --cluster demo --node b
 *
 * DRAIN_MS sets how long the graceful stop takes (default 300 ms).
 */
import { assign, setup } from 'xstate';
import { supervisor } from '../src/index.js';

const drainMs = Number(process.env.DRAIN_MS ?? 300);

export const ticker = setup({
  types: { context: {} as { ticks: number } },
  delays: { drain: () => drainMs },
}).createMachine({
  id: 'ticker',
  context: { ticks: 0 },
  initial: 'ticking',
  states: {
    ticking: {
      after: { 250: { target: 'ticking', reenter: true, actions: assign({ ticks: ({ context }) => context.ticks + 1 }) } },
      on: { 'arbor.shutdown': 'draining' },
    },
    draining: { after: { drain: 'stopped' } },
    stopped: { type: 'final' },
  },
  output: ({ context }) => ({ ticks: context.ticks }),
});

export const kinds = { ticker };

export default supervisor({
  children: [{ id: 'ticker', logic: ticker, shutdown: 'infinity' }],
});
