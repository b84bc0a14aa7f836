/**
 * Small worker machines that tests drive from outside: they crash, finish or record work on
 * command, so a test decides exactly when a child exits and how.
 */
import { setup } from 'xstate';

/** The error a {@link controllableWorker} throws on `{ type: 'crash' }`. */
export class WorkerCrash extends Error {
  override name = 'WorkerCrash';
}

export type ControlEvent = { type: 'crash' } | { type: 'finish' };

/**
 * A worker that crashes (a throwing action, so its snapshot turns `'error'`) on
 * `{ type: 'crash' }` and exits normally (a final state) on `{ type: 'finish' }`.
 */
export const controllableWorker = setup({
  types: { events: {} as ControlEvent },
  actions: {
    explode: () => {
      throw new WorkerCrash('told to crash');
    },
  },
}).createMachine({
  id: 'controllable',
  initial: 'running',
  states: {
    running: { on: { crash: { actions: 'explode' }, finish: 'done' } },
    done: { type: 'final' },
  },
  output: () => 'finished',
});

/** A unit of work for a {@link recordingWorker}: from `sender`, number `seq`; `crash` makes it throw. */
export type WorkEvent = {
  type: 'work';
  sender: number;
  seq: number;
  crash?: boolean;
};

/** What a {@link recordingWorker} reports per processed message. */
export type OnWork = (event: WorkEvent, incarnation: number) => void;

/**
 * A worker that hands every `work` event it processes to `input.onWork` (with a number that
 * tells its incarnations apart) and crashes on the ones marked `crash`, after recording nothing.
 */
export const recordingWorker = setup({
  types: {
    input: {} as { onWork: OnWork; nextIncarnation: () => number },
    context: {} as { onWork: OnWork; incarnation: number },
    events: {} as WorkEvent,
  },
  actions: {
    handle: ({ context, event }) => {
      if (event.crash) throw new WorkerCrash(`crash on ${event.sender}:${event.seq}`);
      context.onWork(event, context.incarnation);
    },
  },
}).createMachine({
  id: 'recording',
  context: ({ input }) => ({ onWork: input.onWork, incarnation: input.nextIncarnation() }),
  on: { work: { actions: 'handle' } },
});
