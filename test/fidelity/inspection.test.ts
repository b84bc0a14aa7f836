/**
 * Inspection of a supervision tree: `@xstate.actor` events carry parent links (one root with
 * children, not unrelated roots), and a message from worker A to worker B is one `@xstate.event`
 * with both ends, as a message between two children of one `createActor` tree is.
 */
import { describe, expect, it } from 'vitest';
import { createActor, createMachine, sendTo, setup, spawnChild, type AnyActorRef } from 'xstate';
import { createSystem, SimulatedClock, supervisor } from '../../src/index.js';

const b = createMachine({ on: { hello: { actions: () => undefined } } });
const a = setup({}).createMachine({ on: { go: { actions: sendTo(({ system }) => system.get('b') as AnyActorRef, { type: 'hello' }) } } });

/** The last path segment (Arbor ids are paths) or the XState id. */
/** An inspection event, loosely: what these tests read of it. */
type Seen = { type: string; actorRef: AnyActorRef & { _parent?: AnyActorRef }; sourceRef?: AnyActorRef; event: { type: string } };

const short = (ref: unknown): string | undefined => {
  const id = (ref as { id?: string } | undefined)?.id;
  return id === undefined ? undefined : id.slice(id.lastIndexOf('/') + 1);
};

describe('inspection of a supervision tree', () => {
  it('links every worker to its supervisor and reports a message between workers once, with both ends', async () => {
    const events: Seen[] = [];
    const system = await createSystem({ node: 'insp', logger: false, clock: new SimulatedClock(), inspect: (e) => events.push(e as unknown as Seen) });
    system.spawn(b, { id: 'b', systemId: 'b' });
    system.spawn(supervisor({ children: [{ id: 'a', logic: a }, { id: 'sub', logic: supervisor({ children: [{ id: 'leaf', logic: b }] }) }] }), { id: 'root' });
    await system.idle();
    const actors = new Map(events.filter((e) => e.type === '@xstate.actor').map((e) => [e.actorRef.id, e.actorRef]));
    const parentOf = (path: string): string | undefined => {
      const sid = actors.get(path)?._parent?.sessionId;
      return [...actors.values()].find((r) => r.sessionId === sid)?.id;
    };
    expect(parentOf('arbor://insp/root/a')).toBe('arbor://insp/root');
    expect(parentOf('arbor://insp/root/sub')).toBe('arbor://insp/root');
    expect(parentOf('arbor://insp/root/sub/leaf')).toBe('arbor://insp/root/sub');
    expect(parentOf('arbor://insp/root')).toBeUndefined();

    events.length = 0;
    system.lookup('root/a')!.send({ type: 'go' });
    await system.idle();
    const hellos = events.filter((e) => e.type === '@xstate.event' && e.event.type === 'hello').map((e) => ({ source: short(e.sourceRef), target: short(e.actorRef) }));
    await system.shutdown();

    // The same two actors as children of one createActor tree.
    const xevents: Seen[] = [];
    const x = createActor(setup({ actors: { a, b } }).createMachine({ entry: [spawnChild('b', { id: 'b', systemId: 'b' }), spawnChild('a', { id: 'a' })], on: { go: { actions: sendTo('a', { type: 'go' }) } } }), {
      inspect: (e) => xevents.push(e as unknown as Seen),
    }).start();
    x.send({ type: 'go' });
    const xhellos = xevents.filter((e) => e.type === '@xstate.event' && e.event.type === 'hello').map((e) => ({ source: short(e.sourceRef), target: short(e.actorRef) }));
    expect(xhellos).toEqual([{ source: 'a', target: 'b' }]);
    expect(hellos).toEqual(xhellos);
  });

  it('reports a worker started by its supervisor with the supervisor as the source of its init event', async () => {
    const events: Seen[] = [];
    const system = await createSystem({ node: 'insp2', logger: false, inspect: (e) => events.push(e as unknown as Seen) });
    system.spawn(supervisor({ children: [{ id: 'w', logic: b }] }), { id: 'root' });
    await system.idle();
    const init = events.find((e) => e.type === '@xstate.event' && e.event.type === 'xstate.init' && e.actorRef.id === 'arbor://insp2/root/w');
    const root = events.find((e) => e.type === '@xstate.actor' && e.actorRef.id === 'arbor://insp2/root');
    expect(init?.sourceRef?.sessionId).toBe(root?.actorRef.sessionId);
    await system.shutdown();
  });
});
