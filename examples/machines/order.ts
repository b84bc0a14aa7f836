/**
 * An order workflow: a draft collects items; submitting it goes straight to payment, or through
 * a two-step review for large orders; payment times out after 5 s. Guards, a nested review and
 * delays, for diagrams and checks.
 */
import { and, assign, not, setup } from 'xstate';

export interface OrderItem {
  sku: string;
  qty: number;
}

export type OrderEvent =
  | { type: 'add'; sku: string; qty: number }
  | { type: 'submit' }
  | { type: 'approve' }
  | { type: 'reject' }
  | { type: 'pay' }
  | { type: 'cancel' };

export const orderMachine = setup({
  types: { context: {} as { items: OrderItem[] }, events: {} as OrderEvent },
  guards: {
    hasItems: ({ context }) => context.items.length > 0,
    isLarge: ({ context }) => context.items.reduce((sum, item) => sum + item.qty, 0) > 10,
    validQty: ({ event }) => event.type === 'add' && event.qty > 0,
  },
  actions: {
    addItem: assign({
      items: ({ context, event }) => (event.type === 'add' ? [...context.items, { sku: event.sku, qty: event.qty }] : context.items),
    }),
  },
}).createMachine({
  id: 'order',
  initial: 'draft',
  context: { items: [] },
  states: {
    draft: {
      on: {
        add: { guard: 'validQty', actions: 'addItem' },
        submit: [
          { guard: and(['hasItems', not('isLarge')]), target: 'payment' },
          { guard: and(['hasItems', 'isLarge']), target: 'review' },
        ],
        cancel: 'cancelled',
      },
    },
    review: {
      initial: 'manager',
      states: {
        manager: { on: { approve: 'finance' } },
        finance: { on: { approve: 'approved' } },
        approved: { type: 'final' },
      },
      on: { reject: 'draft' },
      onDone: 'payment',
    },
    payment: {
      after: { 5000: 'cancelled' },
      on: { pay: 'completed', cancel: 'cancelled' },
    },
    completed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
