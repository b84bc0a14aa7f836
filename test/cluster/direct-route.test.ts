/**
 * A node that sends to a child another node placed elsewhere (b → the child of a running on c)
 * reaches the host directly once the owner told it where the child runs: the owner stops carrying
 * the bytes (issue 20), and nothing is lost when the incarnation crashes with direct messages
 * queued (the host hands them back to the owner, which gives them to the next incarnation). Three
 * nodes over an in-process transport that can hold envelopes back; no broker needed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSystem, supervisor, type ActorRef, type System, type SystemOptions } from '../../src/index.js';
import type { Envelope } from '../../src/runtime/transport.js';
import { acc } from '../support/acc.js';
import { Link } from '../support/link-transport.js';
import { waitUntil } from '../support/wait-until.js';

const systems: System[] = [];

afterEach(async () => {
  for (const s of systems.splice(0).reverse()) await s.shutdown();
});


/** Owner `a` places `src` on b and `dst` on c; every user envelope for `dst` is recorded with the node it was sent to. */
async function triangle(link: Link, owner: SystemOptions = {}) {
  const toDst: { node: string; envelope: Envelope }[] = [];
  const routes: Envelope[] = [];
  link.sent = (envelope, node) => {
    if (envelope.kind === 'user' && envelope.to === 'arbor://a/root/dst') toDst.push({ node, envelope });
    if (envelope.kind === 'system' && (envelope.body as { op?: string }).op === 'route') routes.push(envelope);
  };
  for (const node of ['c', 'b']) systems.push(await createSystem({ node, logger: false, kinds: { acc }, transport: link.transport() }));
  const a = await createSystem({ node: 'a', logger: false, transport: link.transport(), ...owner });
  systems.push(a);
  a.spawn(supervisor({ intensity: 5, children: [{ id: 'src', kind: 'acc', node: 'b' }, { id: 'dst', kind: 'acc', node: 'c' }] }), { id: 'root' });
  const src = a.lookup('root/src') as ActorRef;
  const dst = a.lookup('root/dst') as ActorRef;
  const seen = async () => ((await dst.ask({ type: 'dump' }, { timeout: 5000 })) as { seen: number[] }).seen;
  // The first message from b goes through the owner, which answers with the route.
  src.send({ type: 'forward', id: 0, to: dst });
  if (owner.directRoutes !== false) await waitUntil('the route from a to b', () => routes.length === 1);
  await waitUntil('dst to process the first message', () => toDst.some((t) => t.node === 'c' && t.envelope.inc !== undefined));
  return { a, src, dst, seen, toDst, routes };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('messages from another node to a placed child', () => {
  it('go straight to the host once the owner said where it runs: the owner carries none of them', async () => {
    const link = new Link();
    const { src, dst, seen, toDst, routes } = await triangle(link);
    expect(routes[0]?.body).toMatchObject({ op: 'route', path: 'arbor://a/root/dst', node: 'c' });
    const before = toDst.length;
    for (const id of range(1, 200)) src.send({ type: 'forward', id, to: dst });
    await waitUntil('all 201 processed', () => toDst.length >= before + 200);
    expect(await seen()).toEqual(range(0, 200)); // in order, each once
    const later = toDst.slice(before);
    expect(later.filter((t) => t.node === 'a')).toHaveLength(0);
    expect(later.filter((t) => t.node === 'c' && t.envelope.inc === undefined)).toHaveLength(200);
  });

  it('queued on the host when the incarnation crashes: handed back to the owner and processed by the next incarnation', async () => {
    const link = new Link();
    const { a, src, dst, seen } = await triangle(link);
    const exits: string[] = [];
    a.on('report', (r) => r.kind === 'child_restarted' && exits.push(r.child));
    // The crash (forwarded by the owner) and 50 direct messages reach c on one turn: the 50 wait behind the crash.
    link.hold = (_e, node) => node === 'c';
    dst.send({ type: 'crash' });
    for (const id of range(1, 50)) src.send({ type: 'forward', id, to: dst });
    await waitUntil('the crash and 50 direct messages held', () => link.holding >= 51);
    link.hold = () => false;
    link.release(true);
    await waitUntil('dst restarted', () => exits.includes('dst'));
    let ids: number[] = [];
    for (let i = 0; i < 200 && ids.length < 50; i++) ids = await seen();
    expect([...ids].sort((x, y) => x - y)).toEqual(range(1, 50));
    // Handed back, each is settled on c: a broker would have its ack (none stays unacked, holding a prefetch slot).
    await waitUntil('every direct message acked on c', () => link.unsettled.size === 0);
  });

  it('taken by the host: acked only once what its processing sent is confirmed', async () => {
    const link = new Link();
    const { dst } = await triangle(link);
    const s = await createSystem({ node: 's', logger: false, transport: link.transport() });
    systems.push(s);
    const far = s.lookup(dst.path) as ActorRef;
    far.send({ type: 'work', id: 1 }); // through the owner, which tells s the route
    // The dumps c took straight from s (not forwarded by the owner, whose window holds those) and has not acked.
    const dumps = () => [...link.unsettled].filter((e) => e.headers?.['arbor-direct'] === 'c' && (e.body as { type?: string }).type === 'dump');
    for (let i = 0; i < 100; i++) {
      // Once s has the route, its ask goes straight to c; c's reply is the output of processing it.
      link.holdConfirms = true;
      const reply = await far.ask<{ seen: number[] }>({ type: 'dump' }, { timeout: 5000 });
      if (dumps().length === 0) {
        link.releaseConfirms();
        continue;
      }
      expect(reply.seen).toContain(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(dumps()).toHaveLength(1); // processed and answered, not acked: its reply is not confirmed yet
      link.releaseConfirms();
      await waitUntil('the dump acked', () => dumps().length === 0);
      return;
    }
    throw new Error('no ask from s reached c directly');
  });

  it('with directRoutes: false, every message goes through the owner and no route is told', async () => {
    const link = new Link();
    const { src, dst, seen, toDst, routes } = await triangle(link, { directRoutes: false });
    for (const id of range(1, 50)) src.send({ type: 'forward', id, to: dst });
    await waitUntil('all 51 forwarded to c', () => toDst.filter((t) => t.node === 'c').length >= 51);
    expect(await seen()).toEqual(range(0, 50));
    expect(routes).toHaveLength(0);
    expect(toDst.filter((t) => t.node === 'c' && t.envelope.inc === undefined)).toHaveLength(0);
    expect(toDst.filter((t) => t.node === 'a')).toHaveLength(51);
  });

  it('refuses a directRoutes that is not a boolean', async () => {
    await expect(createSystem({ logger: false, directRoutes: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'INVALID_SPEC' });
  });
});
