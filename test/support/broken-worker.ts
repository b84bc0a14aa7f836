/** A worker that crashes on `work` while `state.broken`, and records the event's correlation id once it is fixed. */
import { setup } from 'xstate';

export interface BrokenWorkerState {
  broken: boolean;
  processed: string[];
}

export function brokenWorker(state: BrokenWorkerState) {
  return setup({
    types: { events: {} as { type: 'work'; correlationId: string } },
    actions: {
      work: ({ event }) => {
        if (state.broken) throw new Error('downstream is broken');
        state.processed.push(event.correlationId);
      },
    },
  }).createMachine({ on: { work: { actions: 'work' } } });
}
