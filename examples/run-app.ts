/**
 * A module for `arbor run`: a small pipeline that finishes by itself. `fetch` and `parse` work
 * for a while; `parse` crashes once (a flaky dependency) and its supervisor restarts it. When both
 * are done the root exits normally with their aggregated result, which `arbor run` prints:
 *
 *   npx arbor run examples/run-app.ts           # ✓ arbor://node-…/root exited normally: { fetch: …, parse: … }
 *   npx arbor run examples/run-app.ts --json    # {"ok":true,"root":"…","result":{…}}
 */
import { setup } from 'xstate';
import { supervisor } from '../src/index.js';

interface StepInput {
  name: string;
  ms: number;
  /** Crash this many times before succeeding (counted across restarts, in this module). */
  crashes?: number;
}

const crashed = new Map<string, number>();

export const step = setup({
  types: { input: {} as StepInput, context: {} as StepInput & { attempts: number } },
  delays: { work: ({ context }) => context.ms },
  guards: { flaky: ({ context }) => (crashed.get(context.name) ?? 0) < (context.crashes ?? 0) },
  actions: {
    crash: ({ context }) => {
      crashed.set(context.name, (crashed.get(context.name) ?? 0) + 1);
      throw new Error(`${context.name}: upstream timeout`);
    },
  },
}).createMachine({
  id: 'step',
  context: ({ input }) => ({ ...input, attempts: (crashed.get(input.name) ?? 0) + 1 }),
  initial: 'working',
  states: {
    working: { after: { work: [{ guard: 'flaky', actions: 'crash' }, { target: 'done' }] } },
    done: { type: 'final' },
  },
  output: ({ context }) => ({ step: context.name, attempts: context.attempts }),
});

export default supervisor({
  strategy: 'one_for_one',
  intensity: 3,
  period: 5000,
  // The root ends once both steps are done, its result aggregated from theirs.
  autoShutdown: 'all_significant',
  children: [
    { id: 'fetch', logic: step, input: { name: 'fetch', ms: 50 }, restart: 'transient', significant: true },
    { id: 'parse', logic: step, input: { name: 'parse', ms: 80, crashes: 1 }, restart: 'transient', significant: true },
  ],
});
