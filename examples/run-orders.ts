/**
 * A module for `arbor run` whose events make a readable journal: its `start` export places three
 * orders, each a small workflow (a correlation id, and events that name their cause), against an
 * inventory and an order book. The root exits once every order is settled.
 *
 *   npx arbor run examples/run-orders.ts --journal orders.jsonl
 *   npx arbor replay orders.jsonl                         # every event, in order
 *   npx arbor replay orders.jsonl --correlation order-2   # one workflow
 */
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import { supervisor, type ActorRef, type SupervisorRef, type System } from '../src/index.js';

interface Meta {
  id: string;
  correlationId: string;
  causationId?: string;
}

type InventoryEvent = Meta & { type: 'stock.reserve'; sku: string; qty: number; replyTo: AnyActorRef };

export const inventory = setup({
  types: { context: {} as { stock: Record<string, number> }, events: {} as InventoryEvent },
  guards: { inStock: ({ context, event }) => (context.stock[event.sku] ?? 0) >= event.qty },
}).createMachine({
  id: 'inventory',
  context: { stock: { apple: 5, pear: 1 } },
  on: {
    'stock.reserve': [
      {
        guard: 'inStock',
        actions: [
          assign({ stock: ({ context, event }) => ({ ...context.stock, [event.sku]: (context.stock[event.sku] ?? 0) - event.qty }) }),
          sendTo(({ event }) => event.replyTo, ({ event }) => ({ type: 'stock.reserved', id: `${event.id}-ok`, correlationId: event.correlationId, causationId: event.id })),
        ],
      },
      { actions: sendTo(({ event }) => event.replyTo, ({ event }) => ({ type: 'stock.short', id: `${event.id}-short`, correlationId: event.correlationId, causationId: event.id })) },
    ],
  },
});

type BookEvent = Meta & { type: 'order.confirmed' | 'order.rejected' };

/** The order book: done once `expected` orders are settled; its output is what happened to each. */
export const book = setup({
  types: { input: {} as { expected: number }, context: {} as { expected: number; settled: Record<string, string> }, events: {} as BookEvent },
  guards: { last: ({ context }) => Object.keys(context.settled).length + 1 >= context.expected },
  actions: { settle: assign({ settled: ({ context, event }) => ({ ...context.settled, [event.correlationId]: event.type.slice('order.'.length) }) }) },
}).createMachine({
  id: 'book',
  context: ({ input }) => ({ expected: input.expected, settled: {} }),
  initial: 'open',
  states: {
    open: {
      on: {
        'order.*': [
          { guard: 'last', target: 'closed', actions: 'settle' },
          { actions: 'settle' },
        ],
      },
    },
    closed: { type: 'final' },
  },
  output: ({ context }) => context.settled,
});

const ORDERS = [
  { sku: 'apple', qty: 2 },
  { sku: 'pear', qty: 3 },
  { sku: 'apple', qty: 3 },
];

export default supervisor({
  autoShutdown: 'any_significant',
  children: [
    { id: 'inventory', logic: inventory },
    { id: 'book', logic: book, input: { expected: ORDERS.length }, restart: 'transient', significant: true },
  ],
});

/** Called by `arbor run` once the root is up: places the orders. */
export async function start(system: System, _root: SupervisorRef): Promise<void> {
  const stock = system.lookup('root/inventory') as ActorRef;
  const orders = system.lookup('root/book') as ActorRef;
  for (const [i, order] of ORDERS.entries()) {
    const correlationId = `order-${i + 1}`;
    const placed = `${correlationId}/placed`;
    const reply = await stock.ask<{ type: string; id: string }>({ type: 'stock.reserve', id: placed, correlationId, ...order });
    orders.send({ type: reply.type === 'stock.reserved' ? 'order.confirmed' : 'order.rejected', id: `${correlationId}/settled`, correlationId, causationId: reply.id });
  }
}
