/** A relay actor for chains across nodes: on any event, passes it on to `next` renamed `type` (same correlation id), or records it when last. */
import { sendTo, setup, type AnyActorRef } from 'xstate';

export function relay(next: string | undefined, seen: string[]) {
  return setup({
    types: { context: {} as { next: AnyActorRef | undefined }, input: {} as { next: AnyActorRef | undefined }, events: {} as { type: string; correlationId: string } },
    actions: { record: ({ event }) => void seen.push(event.type) },
  }).createMachine({
    context: ({ input }) => ({ next: input.next }),
    on: {
      '*': next ? { actions: sendTo(({ context }) => context.next as AnyActorRef, ({ event }) => ({ type: next, correlationId: event.correlationId })) } : { actions: 'record' },
    },
  });
}
