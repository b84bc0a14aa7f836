/**
 * Per-workflow timeouts: `withTimeout(logic, { timeout })` runs any XState logic as an invoked
 * child of a small machine that forwards every event to it and crashes with `WORKFLOW_TIMEOUT`
 * when the child has not finished within `timeout` ms (on the system's clock). A supervisor sees
 * the crash like any other; the wrapped logic's output becomes the wrapper's output, and its
 * crash the wrapper's crash.
 */
import { assign, forwardTo, setup, type AnyActorLogic, type InputFrom, type OutputFrom } from 'xstate';
import { ArborError } from '../runtime/errors.js';
import { duration, nonEmptyString, optionsObject } from './validate.js';

/** Options of {@link withTimeout}. */
export interface WithTimeoutOptions {
  /** Ms the workflow may take. */
  timeout: number;
  /** Names the workflow in the error. @default the logic's id, else 'workflow' */
  name?: string;
}

/**
 * @example
 * const bounded = withTimeout(orderSaga, { timeout: 60_000 });
 * system.spawn(bounded, { id: 'order-42', input }); // crashes with WORKFLOW_TIMEOUT after 60 s
 */
export function withTimeout<TLogic extends AnyActorLogic>(logic: TLogic, options: WithTimeoutOptions) {
  const o = optionsObject(options, 'options');
  const timeout = duration(o.timeout, 'timeout');
  const name = o.name === undefined ? ((logic as { id?: string }).id ?? 'workflow') : nonEmptyString(o.name, 'name');
  return setup({
    types: { input: {} as InputFrom<TLogic>, context: {} as { input: unknown; output: unknown }, output: {} as OutputFrom<TLogic> },
    actors: { workflow: logic as AnyActorLogic },
    delays: { timeout },
    actions: {
      timedOut: () => {
        throw new ArborError('WORKFLOW_TIMEOUT', `workflow ${name} did not finish within ${timeout} ms`, { workflow: name, timeout });
      },
      rethrow: (_, error: unknown) => {
        throw error;
      },
    },
  }).createMachine({
    id: `${name}.timed`,
    context: ({ input }) => ({ input, output: undefined }),
    initial: 'running',
    states: {
      running: {
        invoke: {
          id: 'workflow',
          src: 'workflow',
          input: ({ context }: { context: { input: unknown } }) => context.input,
          onDone: { target: 'done', actions: assign({ output: ({ event }: { event: { output: unknown } }) => event.output }) },
          onError: { target: 'failed', actions: { type: 'rethrow', params: ({ event }: { event: { error: unknown } }) => event.error } },
        },
        after: { timeout: 'timedOut' },
        on: { '*': { actions: forwardTo('workflow') } },
      },
      timedOut: { entry: 'timedOut' },
      failed: {},
      done: { type: 'final' },
    },
    output: ({ context }) => context.output as OutputFrom<TLogic>,
  });
}
