/**
 * Which protocol messages take the control lane (`Transport.sendControl`): a host's reports to the
 * owner (`processed`, `exit`, `stopped`) and requests and replies; the owner's orders to a host
 * (`spawn`, `stop`, `kill`, `skip`) and the forwards stay on the user lane, in their order. Two
 * nodes over the in-process link, with a control lane that records what takes it.
 */
import { afterEach, expect, it } from 'vitest';
import { createSystem, supervisor, type ActorRef, type System } from '../../src/index.js';
import { ArborError } from '../../src/runtime/errors.js';
import { CONTROL_OPS } from '../../src/remote/protocol.js';
import { LAZY_REPORT_MS } from '../../src/remote/host-side.js';
import type { ActorSystem } from '../../src/runtime/actor-system.js';
import type { Envelope } from '../../src/runtime/transport.js';
import { acc } from '../support/acc.js';
import { Link } from '../support/link-transport.js';
import { waitUntil } from '../support/wait-until.js';

const systems: System[] = [];
afterEach(async () => {
  for (const s of systems.splice(0).reverse()) await s.shutdown();
});


/** Node `a` places `w` (an `acc`) on node `b` over `link`; `restarted` lists the children `a` restarted. */
async function placed(link: Link) {
  systems.push(await createSystem({ node: 'b', logger: false, kinds: { acc }, transport: link.transport() }));
  const a = await createSystem({ node: 'a', logger: false, transport: link.transport() });
  systems.push(a);
  const restarted: string[] = [];
  a.on('report', (r) => r.kind === 'child_restarted' && restarted.push(r.child));
  a.spawn(supervisor({ intensity: 5, children: [{ id: 'w', kind: 'acc', node: 'b' }] }), { id: 'root' });
  return { a, w: a.lookup('root/w') as ActorRef, restarted };
}

const opOf = (e: Envelope) => (e.kind === 'system' ? (e.body as { op: string }).op : `user${e.inc === undefined ? '' : ':forward'}`);

it('reports, requests and replies take the control lane; orders and forwards the user lane', async () => {
  const link = new Link();
  link.controlLane = true;
  const control: string[] = [];
  const user: string[] = [];
  link.sentControl = (e) => control.push(opOf(e));
  link.sent = (e) => user.push(opOf(e));
  const { a, w, restarted } = await placed(link);
  for (let id = 1; id <= 5; id++) w.send({ type: 'work', id });
  w.send({ type: 'crash' });
  await waitUntil('w restarted', () => restarted.includes('w'));
  w.send({ type: 'work', id: 6 });
  expect(await w.ask({ type: 'dump' }, { timeout: 5000 })).toMatchObject({ seen: [6] });
  // Nothing on `a` waits on these reports: the host sends them a little later, with others.
  await waitUntil('a progress report', () => control.includes('processed'));
  await a.shutdown(); // b is asked to stop w: `stop` out, `stopped` back
  expect(control).toEqual(expect.arrayContaining(['processed', 'exit', 'stopped']));
  expect(user).toEqual(expect.arrayContaining(['spawn', 'stop', 'user:forward']));
  expect(control.filter((op) => !CONTROL_OPS.has(op as never))).toEqual([]);
  expect(user.filter((op) => CONTROL_OPS.has(op as never))).toEqual([]);
});

it('a progress report that could not be sent is sent again: the acks the owner holds are released', async () => {
  const link = new Link();
  link.controlLane = true;
  const reports: number[] = [];
  let refused = 0;
  link.refuse = (e) => {
    const body = e.body as { op?: string; processed?: number };
    if (body.op !== 'processed') return undefined;
    reports.push(body.processed ?? -1);
    return refused++ === 0 ? new ArborError('TRANSPORT_ERROR', 'broker did not confirm within 5000 ms') : undefined;
  };
  for (const node of ['b', 's']) systems.push(await createSystem({ node, logger: false, kinds: { acc }, transport: link.transport() }));
  const a = await createSystem({ node: 'a', logger: false, transport: link.transport(), directRoutes: false });
  systems.push(a);
  a.spawn(supervisor({ children: [{ id: 'w', kind: 'acc', node: 'b' }] }), { id: 'root' });
  const s = systems.find((x) => x.node === 's') as System;
  const w = s.lookup('arbor://a/root/w') as ActorRef;
  for (let id = 1; id <= 5; id++) w.send({ type: 'work', id });
  await waitUntil('a report refused', () => refused >= 1);
  // Held by the owner until the host reports them processed (a broker would keep them unacked).
  await waitUntil('every message settled on the owner', () => link.unsettled.size === 0 && reports.length >= 2);
  expect(reports.at(-1)).toBe(5);
  expect(await w.ask({ type: 'dump' }, { timeout: 5000 })).toMatchObject({ seen: [1, 2, 3, 4, 5] });
});

it('an exit report that could not be sent is sent again: the owner restarts the child and loses nothing', async () => {
  const link = new Link();
  link.controlLane = true;
  let refused = 0;
  link.refuse = (e) => ((e.body as { op?: string }).op === 'exit' && refused++ === 0 ? new ArborError('TRANSPORT_ERROR', 'broker did not confirm within 5000 ms') : undefined);
  const { w, restarted } = await placed(link);
  w.send({ type: 'crash' });
  for (let id = 1; id <= 5; id++) w.send({ type: 'work', id });
  await waitUntil('w restarted', () => restarted.includes('w'));
  expect(refused).toBe(2);
  expect(await w.ask({ type: 'dump' }, { timeout: 5000 })).toMatchObject({ seen: [1, 2, 3, 4, 5] });
});

it('a forward nobody on the owner waits on is reported with others later; one whose ack waits on it is reported within the turn', async () => {
  const link = new Link();
  link.controlLane = true;
  const reports: number[] = [];
  link.sentControl = (e) => {
    const body = e.body as { op?: string; processed?: number };
    if (body.op === 'processed') reports.push(body.processed ?? -1);
  };
  const b = await createSystem({ node: 'b', logger: false, kinds: { acc }, transport: link.transport() });
  systems.push(b);
  // The host's lazy reports wait here until the test lets them go (its prompt ones never come here).
  const held: (() => void)[] = [];
  const dispatcher = (b as unknown as ActorSystem).dispatcher;
  const later = dispatcher.later.bind(dispatcher);
  dispatcher.later = (task, ms) => (ms === LAZY_REPORT_MS ? void held.push(task) : later(task, ms));
  systems.push(await createSystem({ node: 's', logger: false, transport: link.transport() }));
  const a = await createSystem({ node: 'a', logger: false, transport: link.transport(), directRoutes: false });
  systems.push(a);
  a.spawn(supervisor({ children: [{ id: 'w', kind: 'acc', node: 'b' }] }), { id: 'root' });
  const w = a.lookup('root/w') as ActorRef;
  // Sent by actors on the owner's node, each in a turn of its own: no receipt waits on them.
  for (let id = 1; id <= 3; id++) {
    w.send({ type: 'work', id });
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(await w.ask({ type: 'dump' }, { timeout: 5000 })).toMatchObject({ seen: [1, 2, 3] });
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(reports).toEqual([]);
  expect(held.length).toBeGreaterThan(0);
  for (const task of held.splice(0)) task();
  expect(reports).toEqual([4]); // one report for the three works and the dump
  // From another node through the owner, which holds its ack until the host reports it processed.
  const s = systems.find((x) => x.node === 's') as System;
  (s.lookup('arbor://a/root/w') as ActorRef).send({ type: 'work', id: 4 });
  await waitUntil('the forward reported and its ack released', () => reports.includes(5) && link.unsettled.size === 0);
  expect(held).toEqual([]);
});
