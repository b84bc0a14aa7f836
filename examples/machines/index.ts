/**
 * The example machines as one CLI module: `arbor diagram examples/machines/index.ts` draws each
 * machine and the supervision tree; `arbor check examples/machines/index.ts` checks each machine
 * with the invariants and payloads below (and passes).
 */
import fc from 'fast-check';
import type { CheckOptions } from '../../src/check/index.js';
import { counterMachine } from './counter.js';
import { orderMachine } from './order.js';
import { trafficLightMachine } from './traffic-light.js';

export { default } from './tree.js';

export const machines = {
  order: orderMachine,
  trafficLight: trafficLightMachine,
  counter: counterMachine,
};

const orderChecks = {
  invariants: {
    'every item has a positive quantity': (s) => s.context.items.every((item) => item.qty > 0),
    'only non-empty orders leave the draft': (s) => s.matches('draft') || s.matches('cancelled') || s.context.items.length > 0,
  },
  events: { add: fc.record({ sku: fc.constantFrom('apple', 'pear'), qty: fc.integer({ min: -1, max: 6 }) }) },
} satisfies CheckOptions<typeof orderMachine>;

const counterChecks = {
  invariants: { 'count is never negative': (s) => s.context.count >= 0 },
} satisfies CheckOptions<typeof counterMachine>;

export const checks = {
  order: orderChecks,
  counter: counterChecks,
};
