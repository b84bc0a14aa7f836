// Saga: reserve → charge → ship; shipping fails, so charge and reserve are compensated in reverse.
// The refund fails once and is retried with backoff. Run: npx tsx examples/patterns/saga.ts
import pino from 'pino';
import { createSystem, saga, supervisor } from '../../src/index.js';

let refundTries = 0;
const order = saga<{ sku: string; card: string; correlationId: string }>({
  id: 'order',
  retry: { attempts: 3, min: 50 },
  logger: pino({ level: 'info' }),
  steps: [
    { name: 'reserve', run: ({ input }) => `hold:${input.sku}`, compensate: ({ result }) => console.log('  released', result) },
    {
      name: 'charge',
      run: ({ input }) => `payment:${input.card}`,
      compensate: ({ result }) => {
        if (++refundTries === 1) throw new Error('payments service busy');
        console.log('  refunded', result);
      },
    },
    { name: 'ship', run: () => Promise.reject(new Error('no courier available')) },
  ],
});

const system = await createSystem({ logger: false });
// Supervised like any worker: a crash would be restarted; a normal exit carries the outcome.
const root = system.spawn(supervisor({ aggregate: { policy: 'all' }, children: [{ id: 'o-42', logic: order, restart: 'transient', input: { sku: 'book', card: '4242', correlationId: 'o-42' } }] }), { id: 'orders' });
const { 'o-42': outcome } = await root.result(); // SagaOutput | undefined: typed from the child's logic
console.log(outcome);
await system.shutdown();
