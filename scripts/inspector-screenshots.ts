/**
 * Screenshots of the inspector for the README: a small order-processing cluster (three nodes over
 * RabbitMQ when one is reachable at AMQP_URL, else one embedded node) is set running, a child is
 * crashed, a few workflows run, and headless Chromium takes pictures of the page.
 *
 *   npx tsx scripts/inspector-screenshots.ts [--out docs]
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { assign, createMachine, setup } from 'xstate';
import { createSystem, rabbitmqTransport, supervisor, type ActorRef, type System } from '../src/index.js';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const OUT = values.out ?? 'docs';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

type Routed = { type: string; correlationId: string };
/** Routes each event it gets to the next stage, synchronously, so the journal knows the sender. */
const stage = setup({
  types: { input: {} as { routes: Record<string, [string, string]>; lookup: (path: string) => ActorRef | undefined }, context: {} as { routes: Record<string, [string, string]>; lookup: (path: string) => ActorRef | undefined; handled: number }, events: {} as Routed },
}).createMachine({
  id: 'stage',
  context: ({ input }) => ({ ...input, handled: 0 }),
  initial: 'ready',
  states: {
    ready: {
      on: {
        '*': {
          actions: [
            assign({ handled: ({ context }) => context.handled + 1 }),
            ({ context, event }) => {
              const route = context.routes[event.type];
              if (route) context.lookup(route[0])?.send({ type: route[1], correlationId: event.correlationId });
            },
          ],
        },
      },
    },
  },
});

const payment = createMachine({
  id: 'payment',
  initial: 'idle',
  context: { attempts: 0, lastOrder: null as string | null },
  on: { crash: { actions: () => { throw new Error('card network timeout'); } } },
  states: {
    idle: { on: { authorize: { target: 'authorizing', actions: assign({ attempts: ({ context }) => context.attempts + 1 }) } } },
    authorizing: { on: { approved: 'captured', declined: 'idle' } },
    captured: { on: { refund: 'refunded', authorize: 'authorizing' } },
    refunded: { type: 'final' },
  },
});

const shipment = createMachine({
  id: 'shipment',
  initial: 'pending',
  states: {
    pending: { on: { pack: 'packing' } },
    packing: { initial: 'picking', states: { picking: { on: { picked: 'boxing' } }, boxing: { on: { boxed: '#shipment.ready' } } } },
    ready: { on: { dispatch: 'shipped' } },
    shipped: { type: 'final' },
  },
});

async function brokerUp(): Promise<boolean> {
  const probe = await createSystem({ node: `probe-${process.pid}`, logger: false, transport: rabbitmqTransport({ url: AMQP_URL, cluster: `shots-probe-${process.pid}`, connectTimeout: 2000, ephemeral: true }) }).catch(() => undefined);
  await probe?.shutdown();
  return probe !== undefined;
}

const systems: System[] = [];
const cluster = `shots-${process.pid}`;
const distributed = await brokerUp();
const transport = () => (distributed ? { transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: 250 }) } : {});
if (distributed) {
  systems.push(await createSystem({ node: 'payments-1', logger: false, kinds: { payment }, ...transport() }));
  systems.push(await createSystem({ node: 'warehouse-1', logger: false, kinds: { shipment }, ...transport() }));
}
const a = await createSystem({ node: 'orders-1', logger: false, inspector: { port: 0, interval: 300 }, ...(distributed ? { placementTimeout: 10_000, ...transport() } : { kinds: { payment, shipment } }), ...transport() });
systems.push(a);
const lookup = (path: string) => a.lookup(path);
const routes: { [K in 'checkout' | 'inventory' | 'pricing' | 'notifier']: Record<string, [string, string]> } = {
  checkout: { 'order.placed': ['root/checkout/inventory', 'stock.reserve'], 'stock.reserved': ['root/checkout/pricing', 'price.quote'], 'price.quoted': ['root/checkout/notifier', 'order.confirmed'], 'payment.approved': ['root/checkout/notifier', 'receipt.send'] },
  inventory: { 'stock.reserve': ['root/checkout/orchestrator', 'stock.reserved'] },
  pricing: { 'price.quote': ['root/checkout/orchestrator', 'price.quoted'] },
  notifier: {},
};
a.spawn(
  supervisor({
    strategy: 'one_for_one',
    intensity: 10,
    children: [
      {
        id: 'checkout',
        logic: supervisor({
          strategy: 'rest_for_one',
          children: [
            { id: 'orchestrator', logic: stage, input: { routes: routes.checkout, lookup } },
            { id: 'inventory', logic: stage, input: { routes: routes.inventory, lookup } },
            { id: 'pricing', logic: stage, input: { routes: routes.pricing, lookup } },
            { id: 'notifier', logic: stage, input: { routes: routes.notifier, lookup } },
          ],
        }),
      },
      { id: 'payments', logic: supervisor({ intensity: 10, children: Array.from({ length: 4 }, (_, i) => ({ id: `card-${i + 1}`, kind: 'payment', ...(distributed ? { node: 'payments-1' } : {}) })) }) },
      { id: 'shipping', logic: supervisor({ strategy: 'one_for_all', children: Array.from({ length: 3 }, (_, i) => ({ id: `parcel-${i + 1}`, kind: 'shipment', ...(distributed ? { node: 'warehouse-1' } : {}) })) }) },
    ],
  }),
  { id: 'root' },
);
await new Promise((r) => setTimeout(r, 1500));

const send = (path: string, event: Record<string, unknown> & { type: string }) => a.lookup(path)?.send(event);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (let n = 1; n <= 3; n++) {
  send('root/checkout/orchestrator', { type: 'order.placed', correlationId: `order-10${n}` });
  await pause(40);
}
// The payment provider answers later: the workflow's second half, from outside.
await pause(180);
send('root/checkout/orchestrator', { type: 'payment.approved', correlationId: 'order-101' });
send('root/payments/card-1', { type: 'authorize', correlationId: 'order-101' });
send('root/payments/card-1', { type: 'approved' });
send('root/payments/card-2', { type: 'authorize', correlationId: 'order-102' });
send('root/payments/card-3', { type: 'crash' });
send('root/shipping/parcel-1', { type: 'pack' });
send('root/shipping/parcel-1', { type: 'picked' });
send('root/shipping/parcel-2', { type: 'pack' });
// A message to an actor that is gone: a dead letter with its reason.
a.lookup('arbor://orders-1/root/checkout/auditor')?.send({ type: 'order.audit', correlationId: 'order-101' });
await pause(1200);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 860 }, deviceScaleFactor: 1 });
await page.goto(a.inspectorUrl as string);
await page.waitForSelector('.row[data-path="arbor://orders-1/root/shipping/parcel-1"]');
await page.click('.row[data-path="arbor://orders-1/root/shipping/parcel-1"]');
await page.waitForSelector('#diagram svg g.node.active');
await pause(1500);
await page.screenshot({ path: `${OUT}/inspector-tree.png` });
await page.click('.tabs button[data-tab="workflows"]');
await page.click('tr[data-correlation="order-101"]');
await page.waitForSelector('#waterfall');
await pause(500);
await page.screenshot({ path: `${OUT}/inspector-workflow.png` });
await browser.close();
for (const s of systems.reverse()) await s.shutdown();
console.log(`wrote ${OUT}/inspector-tree.png and ${OUT}/inspector-workflow.png (${distributed ? '3 nodes over RabbitMQ' : 'one embedded node'})`);
process.exit(0);
