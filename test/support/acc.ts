/** An accumulator to place on other nodes: records every `work` id, answers `dump`, crashes on `crash`, finishes on `finish`. */
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';

export type AccEvent =
  | { type: 'work'; id: number }
  | { type: 'crash' }
  | { type: 'finish' }
  | { type: 'dump'; replyTo: AnyActorRef }
  | { type: 'forward'; id: number; to: AnyActorRef };

export const acc = setup({
  types: { context: {} as { seen: number[]; input: unknown }, events: {} as AccEvent, input: {} as unknown },
  actions: {
    boom: () => {
      throw new Error('acc crashed on purpose');
    },
  },
}).createMachine({
  id: 'acc',
  context: ({ input }) => ({ seen: [], input }),
  initial: 'running',
  states: {
    running: {
      on: {
        work: { actions: assign({ seen: ({ context, event }) => [...context.seen, event.id] }) },
        crash: { actions: 'boom' },
        finish: 'done',
        dump: { actions: sendTo(({ event }) => event.replyTo, ({ context }) => ({ type: 'seen', seen: context.seen, input: context.input })) },
        forward: { actions: sendTo(({ event }) => event.to, ({ event }) => ({ type: 'work', id: event.id })) },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({ seen: context.seen.length }),
});

/** Reports every `work` id it processes to the ledger ref in its input, naming the node it runs on. */
export const reporterOn = (node: string) => setup({
  types: { context: {} as { ledger: AnyActorRef; node: string }, events: {} as { type: 'work'; id: number } | { type: 'crash' }, input: {} as { ledger: AnyActorRef } },
  actions: {
    boom: () => {
      throw new Error('reporter crashed on purpose');
    },
  },
}).createMachine({
  context: ({ input }) => ({ ledger: input.ledger, node }),
  on: {
    work: { actions: sendTo(({ context }) => context.ledger, ({ context, event }) => ({ type: 'processed', id: event.id, node: context.node })) },
    crash: { actions: 'boom' },
  },
});

/** Collects `processed` reports: every id, and how often each was seen. */
export const ledger = setup({
  types: { context: {} as { ids: number[]; nodes: string[] }, events: {} as { type: 'processed'; id: number; node: string } },
}).createMachine({
  context: () => ({ ids: [], nodes: [] }),
  // Appended in place: a copy per message made the ledger O(n) a message, and at the tens of
  // thousands of ids a long ledger test reaches it fell behind its inflow (5 ms a message).
  on: { processed: { actions: assign({ ids: ({ context, event }) => (context.ids.push(event.id), context.ids), nodes: ({ context, event }) => (context.nodes.push(event.node), context.nodes) }) } },
});

/** Records the `id` of every event it gets, whatever its type. */
export const collector = setup({ types: { context: {} as { ids: number[] }, events: {} as { type: string; id?: number } } }).createMachine({
  context: () => ({ ids: [] }),
  on: { '*': { actions: assign({ ids: ({ context, event }) => (context.ids.push(event.id ?? -1), context.ids) }) } },
});
