// Event metadata and idempotency keys: derived events keep the workflow's correlation id and name
// their cause; an idempotent worker processes a redelivered event once. Logs carry the ids.
// Run: npx tsx examples/patterns/events-idempotency.ts
import pino from 'pino';
import { assign, setup } from 'xstate';
import { createEvent, createSystem, deriveEvent, eventLogger, idempotent, type PatternEvent } from '../../src/index.js';

const logger = pino({ level: 'info' });
const request = createEvent('payment.requested', { amount: 30 }, { source: 'checkout' });
const accepted = deriveEvent(request, 'payment.accepted', { amount: 30 }, 'payments');
eventLogger(logger, accepted).info('every line of this logger names the event, its workflow and its cause');

const wallet = setup({ types: { context: {} as { balance: number }, events: {} as PatternEvent<{ amount: number }> } }).createMachine({
  context: { balance: 100 },
  on: { 'payment.accepted': { actions: assign({ balance: ({ context, event }) => context.balance - event.data.amount }) } },
});
const logic = idempotent(wallet, { capacity: 1000, logger });
const system = await createSystem({ logger: false });
const ref = system.spawn(logic, { id: 'wallet' });
ref.send(accepted);
ref.send(accepted); // at-least-once delivery: the same event again
await system.idle();
console.log('balance', (ref.getSnapshot() as { context: { balance: number } }).context.balance, 'stats', logic.idempotency);
await system.shutdown();
