// Request–reply with correlation ids: a stale reply from another workflow is logged and ignored;
// the matching one is the answer. Run: npx tsx examples/patterns/request-reply.ts
import pino from 'pino';
import { sendTo, setup, type AnyActorRef } from 'xstate';
import { createEvent, createSystem, deriveEvent, request, type PatternEvent } from '../../src/index.js';

type Ask = PatternEvent<{ sku: string }> & { replyTo: AnyActorRef };
const pricing = setup({ types: { events: {} as Ask } }).createMachine({
  on: {
    'quote.requested': {
      actions: [
        // A late answer to some earlier request arrives first...
        sendTo(({ event }) => event.replyTo, ({ event }) => ({ ...deriveEvent(event, 'quote.done', { price: 1 }, 'pricing'), correlationId: 'an-older-workflow' })),
        // ...then the real one, derived from the request (same correlation id).
        sendTo(({ event }) => event.replyTo, ({ event }) => deriveEvent(event, 'quote.done', { price: event.data.sku.length * 10 }, 'pricing')),
      ],
    },
  },
});

const system = await createSystem({ logger: pino({ level: 'warn' }) });
const ref = system.spawn(pricing, { id: 'pricing' });
const question = createEvent('quote.requested', { sku: 'book' }, { source: 'shop' });
const quote = await request<PatternEvent<{ price: number }>>(system, ref, question, { timeout: 1000 });
console.log('quote', quote.data, 'correlation matches:', quote.correlationId === question.correlationId);
await system.shutdown();
