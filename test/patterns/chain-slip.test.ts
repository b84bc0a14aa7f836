/**
 * Ask stages (`{ on, emit, to }`) and the chain's routing slip: the chain's own cell sends a run of
 * ask stages one slip, and each stage's answer goes on to the next stage from the node that
 * answered (`chain-slip.ts`). Checked against the chain's machine (which asks each stage from the
 * chain's node), on one node and across three over the in-process link.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { assign, setup, type AnyActorRef } from 'xstate';
import { chain, createEvent, createSystem, type ActorRef, type ChainOutput, type ChainStage, type PatternEvent, type System } from '../../src/index.js';
import { ChainCell } from '../../src/patterns/chain-cell.js';
import { reviveSlip, SLIP_STEP } from '../../src/patterns/chain-slip.js';
import { nodeOfPath } from '../../src/runtime/paths.js';
import { RELAY, type RelayForm } from '../../src/runtime/relay.js';
import type { Envelope } from '../../src/runtime/transport.js';
import { testSystem } from '../fixtures/workers.js';
import { Link } from '../support/link-transport.js';
import { waitUntil } from '../support/wait-until.js';
import { settle } from './helpers.js';

type Mode = 'reply' | 'silent' | 'crash' | 'twice' | 'redelivered';

/**
 * A stage's actor: answers any event that has a `replyTo` with `{ type: 'answer', by, got }`
 * (`got`: the event's data), never (`silent`), by crashing, twice, or as a redelivery would
 * (its request revived a second time from the wire form, each copy answered).
 */
const stageActor = setup({
  types: { input: {} as { by: string; mode: Mode }, context: {} as { by: string; mode: Mode; got: string[]; held: AnyActorRef | undefined } },
  actions: {
    record: assign({ got: ({ context, event }) => [...context.got, String((event as { id?: unknown }).id)] }),
    answer: ({ context, event }) => {
      const replyTo = (event as { replyTo?: AnyActorRef }).replyTo;
      if (!replyTo || context.mode === 'silent') return;
      if (context.mode === 'crash') throw new Error(`${context.by} crashed`);
      const answer = { type: 'answer', by: context.by, got: (event as { data?: unknown }).data };
      replyTo.send(answer);
      if (context.mode === 'twice') replyTo.send({ ...answer, by: `${context.by} again` });
      if (context.mode === 'redelivered') {
        const relay = (replyTo as unknown as { [RELAY]?: RelayForm })[RELAY];
        if (relay) reviveSlip((replyTo as unknown as { path: string }).path, relay.data, slipSystem as never)?.send(answer);
      }
    },
  },
}).createMachine({
  context: ({ input }) => ({ by: input.by, mode: input.mode, got: [], held: undefined }),
  on: {
    // `hold`: keeps the request's replyTo instead of answering; `release` answers it then.
    hold: { actions: assign({ held: ({ event }) => (event as { replyTo?: AnyActorRef }).replyTo }) },
    release: { actions: ({ context }) => context.held?.send({ type: 'answer', by: context.by, got: 'late' }) },
    '*': { actions: ['record', 'answer'] },
  },
});

/** The system the `redelivered` mode's second copy acts in. */
let slipSystem: System | undefined;

const NAMES = ['research', 'draft', 'review', 'publish'];
const start = () => createEvent('research.requested', { topic: 'actors' }, { source: 'planner', correlationId: 'wf-1' });

/** Ask stages to `refs` (a run stage where the ref is `undefined`), validating where `invalid[i]`. */
function stagesTo(refs: readonly (ActorRef | undefined)[], invalid: readonly boolean[] = [], timeout = 1000): ChainStage[] {
  return refs.map((to, i) => {
    const base = { on: i === 0 ? 'research.requested' : `${NAMES[i - 1]}.done`, emit: `${NAMES[i]}.done`, ...(invalid[i] ? { validate: () => `${NAMES[i]} refused` } : {}) };
    return to === undefined ? { ...base, run: (data: unknown) => ({ ran: NAMES[i], got: data }) } : { ...base, to, timeout };
  });
}

/** A run's outcome without fresh ids and times: event types and data, causes by index, failure, what the sink saw. */
function shape(out: ChainOutput, sunk: PatternEvent[]) {
  const index = new Map(out.events.map((e, i) => [e.id, i]));
  return {
    status: out.status,
    events: out.events.map((e) => ({ type: e.type, data: e.data, cause: index.get(e.causationId), correlated: e.correlationId === 'wf-1', source: e.source })),
    failure: out.failure && { stage: out.failure.stage, kind: out.failure.kind, reason: out.failure.reason, at: index.get(out.failure.event.id) },
    sunk: sunk.map((e) => `${e.type}<-${String(index.get(e.causationId))}`),
  };
}

/** Runs the chain over stage actors with `modes` (a run stage where the mode is `run`) on one node; `inspect` forces the machine. */
async function runLocal(modes: readonly (Mode | 'run')[], invalid: readonly boolean[], inspect: boolean) {
  const t = await testSystem(inspect ? { inspect: () => undefined } : {});
  slipSystem = t.system;
  const refs = modes.map((mode, i) => (mode === 'run' ? undefined : t.system.spawn(stageActor, { id: `s${i}`, input: { by: NAMES[i]!, mode } })));
  const sunk: PatternEvent[] = [];
  const ref = t.system.spawn(chain(stagesTo(refs, invalid), { id: 'article' }), { id: 'article', input: { sink: { send: (e: PatternEvent) => sunk.push(e) } } });
  const own = (ref as unknown as { _cell: unknown })._cell instanceof ChainCell;
  ref.send(start());
  const result = ref.result();
  // A silent stage: its timeout (1000 ms of the simulated clock) fails it.
  for (let i = 0; i < modes.length + 1; i++) {
    await settle(t.system);
    t.clock.increment(1000);
  }
  const out = (await result) as ChainOutput;
  const dead = t.dead.map((d) => d.reason.code);
  await t.system.shutdown();
  return { own, dead, ...shape(out, sunk) };
}

const systems: System[] = [];
afterEach(async () => {
  for (const s of systems.splice(0).reverse()) await s.shutdown();
  slipSystem = undefined;
});

describe('ask stages on one node', () => {
  it('end as the machine ends, whatever each stage does (property)', async () => {
    const mode = fc.constantFrom<Mode | 'run'>('reply', 'reply', 'run', 'silent', 'crash', 'twice', 'redelivered');
    await fc.assert(
      fc.asyncProperty(fc.array(mode, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 6 }).map((n) => n === 0), { minLength: 4, maxLength: 4 }), async (modes, invalid) => {
        const { own, dead: _d, ...slip } = await runLocal(modes, invalid, false);
        const { own: machineOwn, dead: _m, ...machine } = await runLocal(modes, invalid, true);
        expect(own).toBe(true);
        expect(machineOwn).toBe(false);
        expect(slip).toEqual(machine);
      }),
      { numRuns: 60 },
    );
  });

  it('the answer of each stage is the next stage event data; a timeout names the stage', async () => {
    const out = await runLocal(['reply', 'reply', 'silent'], [], false);
    expect(out.status).toBe('failed');
    expect(out.events.map((e) => e.type)).toEqual(['research.requested', 'research.done', 'draft.done']);
    expect(out.events[1]!.data).toEqual({ type: 'answer', by: 'research', got: { topic: 'actors' } });
    expect(out.events[2]!.data).toEqual({ type: 'answer', by: 'draft', got: { type: 'answer', by: 'research', got: { topic: 'actors' } } });
    expect(out.events.map((e) => e.source)).toEqual(['planner', 'article', 'article']);
    expect(out.failure).toEqual({ stage: 'review', kind: 'error', reason: 'no reply from arbor://t/s2 to "draft.done" within 1000 ms', at: 2 });
    expect(out.sunk).toEqual(['research.done<-0', 'draft.done<-1']);
  });

  it('a crash on the request fails the stage at once, and a stage that answers twice counts once', async () => {
    const crashed = await runLocal(['twice', 'crash'], [], false);
    expect(crashed.failure).toMatchObject({ stage: 'draft', kind: 'error', at: 1 });
    expect(crashed.failure?.reason).toContain('draft crashed');
    expect(crashed.events).toHaveLength(2);
    expect(crashed.events[1]!.data).toMatchObject({ by: 'research' });
  });

  it('an answer after the stage timed out is dead-lettered where it was given, and the stages after it never run', async () => {
    const t = await testSystem();
    const slow = t.system.spawn(stageActor, { id: 'slow', input: { by: 'quote', mode: 'reply' } });
    const after = t.system.spawn(stageActor, { id: 'after', input: { by: 'charge', mode: 'reply' } });
    // The first stage takes `hold` (its replyTo kept), so it answers only when released.
    const ref = t.system.spawn(
      chain([
        { on: 'hold', emit: 'quote.done', to: slow, timeout: 100 },
        { on: 'quote.done', emit: 'charge.done', to: after, timeout: 100 },
      ]),
      { id: 'buy' },
    );
    ref.send(createEvent('hold', {}, { source: 'test' }));
    await settle(t.system);
    t.clock.increment(150);
    const out = (await ref.result()) as ChainOutput;
    expect(out.failure).toMatchObject({ stage: 'quote', reason: 'no reply from arbor://t/slow to "hold" within 100 ms' });
    slow.send({ type: 'release' });
    await settle(t.system);
    expect(t.dead.map((d) => d.reason.code)).toContain('ASK_TIMEOUT');
    expect((after.getSnapshot() as { context: { got: string[] } }).context.got).toEqual([]);
    await t.system.shutdown();
  });

  it('a redelivered request makes copies downstream with the same event ids (idempotent stages drop them)', async () => {
    const t = await testSystem();
    slipSystem = t.system;
    const first = t.system.spawn(stageActor, { id: 'first', input: { by: 'research', mode: 'redelivered' } });
    const second = t.system.spawn(stageActor, { id: 'second', input: { by: 'draft', mode: 'reply' } });
    const ref = t.system.spawn(chain(stagesTo([first, second])), { id: 'article' });
    ref.send(start());
    const out = (await ref.result()) as ChainOutput;
    const got = (second.getSnapshot() as { context: { got: string[] } }).context.got;
    expect(got).toHaveLength(2);
    expect(new Set(got)).toEqual(new Set([out.events[1]!.id]));
    expect(out.events[1]!.id).toBe(`${out.events[0]!.id}>research.done`);
    await t.system.shutdown();
  });

  it('refuses a stage with both run and to, a to that is no ref, and a bad timeout', () => {
    const ref = { path: 'arbor://t/x', send: () => undefined } as unknown as ActorRef;
    expect(() => chain([{ on: 'a', emit: 'b.done', to: ref, run: () => 1 } as never])).toThrow(/either run or to/);
    expect(() => chain([{ on: 'a', emit: 'b.done', to: 'arbor://t/x' } as never])).toThrow(/stages\[0\]\.to/);
    expect(() => chain([{ on: 'a', emit: 'b.done', to: ref, timeout: 0 }])).toThrow(/stages\[0\]\.timeout/);
    // More than a timer holds would fire at once.
    expect(() => chain([{ on: 'a', emit: 'b.done', to: ref, timeout: 2 ** 31 }])).toThrow(/stages\[0\]\.timeout.*at most 2147483647/);
    expect(() => chain([{ on: 'a', emit: 'b.done', to: { path: 'x', send: () => undefined } as unknown as ActorRef }])).toThrow(/arbor:\/\/ path/);
    const run = { on: 'a', emit: 'b.done', run: () => 1 };
    expect(() => chain([{ ...run, timeout: 100 } as never])).toThrow(/belongs to ask stages/);
  });
});

/** Nodes a (the chain), b and c (stages) over the link; stage `s<i>` on `hosts[i]`. */
async function threeNodes(link: Link, hosts: readonly string[], modes: readonly Mode[] = []) {
  const nodes: Record<string, System> = {};
  for (const node of ['a', 'b', 'c']) {
    nodes[node] = await createSystem({ node, logger: false, transport: link.transport() });
    systems.push(nodes[node]!);
  }
  const a = nodes.a!;
  await waitUntil('a to see b and c', () => ['b', 'c'].every((n) => a.nodes().some((i) => i.node === n)));
  const refs = hosts.map((host, i) => {
    nodes[host]!.spawn(stageActor, { id: `s${i}`, input: { by: NAMES[i]!, mode: modes[i] ?? 'reply' } });
    return a.lookup(`arbor://${host}/s${i}`)!;
  });
  return { a, nodes, refs };
}

/** Which node sent (the node of the sending actor) each user envelope carrying an event of a chain (its type), in order. */
function chainTraffic(link: Link): { from: string; to: string; type: string }[] {
  const out: { from: string; to: string; type: string }[] = [];
  link.sent = (e: Envelope, node: string) => {
    const type = (e.body as { type?: unknown } | null)?.type;
    if (e.kind === 'user' && typeof type === 'string') out.push({ from: nodeOfPath(e.from ?? '') ?? '?', to: node, type });
  };
  return out;
}

describe('ask stages across nodes', () => {
  it('each answer goes on from the node that answered: four hops for three stages, reports off the path', async () => {
    const link = new Link();
    const traffic = chainTraffic(link);
    const { a, refs } = await threeNodes(link, ['b', 'c', 'b']);
    const sunk: PatternEvent[] = [];
    const ref = a.spawn(chain(stagesTo(refs), { id: 'article' }), { id: 'article', input: { sink: { send: (e: PatternEvent) => sunk.push(e) } } });
    ref.send(start());
    const out = (await ref.result()) as ChainOutput;
    expect(shape(out, sunk)).toMatchObject({ status: 'completed', sunk: ['research.done<-0', 'draft.done<-1', 'review.done<-2'] });
    const requests = traffic.filter((t) => t.type !== SLIP_STEP).map((t) => `${t.from}->${t.to} ${t.type}`);
    expect(requests).toEqual(['a->b research.requested', 'b->c research.done', 'c->b draft.done']);
    expect(traffic.filter((t) => t.type === SLIP_STEP).map((t) => `${t.from}->${t.to}`)).toEqual(['b->a', 'c->a', 'b->a']);
  });

  it('reports that arrive out of order are taken in stage order', async () => {
    const link = new Link();
    const traffic = chainTraffic(link);
    const { a, refs } = await threeNodes(link, ['b', 'c', 'b']);
    // b's report on research is held back until the later stages have reported.
    link.hold = (e) => e.from?.startsWith('arbor://b/') === true && (e.body as { type?: string; i?: number }).type === SLIP_STEP && (e.body as { i: number }).i === 0;
    const sunk: PatternEvent[] = [];
    const ref = a.spawn(chain(stagesTo(refs), { id: 'article' }), { id: 'article', input: { sink: { send: (e: PatternEvent) => sunk.push(e) } } });
    ref.send(start());
    await waitUntil('the later stages to report', () => traffic.filter((t) => t.type === SLIP_STEP).length === 3);
    await settle(a);
    expect((ref.getSnapshot() as { value?: string }).value).toBe('stage_research');
    expect(sunk).toEqual([]);
    link.hold = () => false;
    link.release();
    const out = (await ref.result()) as ChainOutput;
    expect(shape(out, sunk)).toMatchObject({ status: 'completed', sunk: ['research.done<-0', 'draft.done<-1', 'review.done<-2'] });
  });

  it('a malformed slip from the wire is not rebuilt: the actor that answers it runs on, the answer goes to the path as to any ref', async () => {
    const link = new Link();
    const { nodes } = await threeNodes(link, ['b']);
    const b = nodes.b!;
    const answers: string[] = [];
    link.sent = (e) => {
      if ((e.body as { type?: string }).type === 'answer') answers.push(e.to);
    };
    const malformed = [null, { run: 'r', i: 0, stages: [null] }, { run: 'r', i: -1, stages: [{ to: 'arbor://b/s0', emit: 'x', timeout: 5 }], cause: {}, source: 's' }];
    for (const [n, data] of malformed.entries()) {
      const body = { type: 'research.requested', data: { n }, replyTo: { $ref: 'arbor://a/nobody', $relay: 'chain-slip', $data: data } };
      await link.hosts.get('b')!.deliver({ id: `m-${n}`, to: 'arbor://b/s0', kind: 'user', body, sentAt: Date.now() });
    }
    await waitUntil('the three answers sent to the plain path', () => answers.length === 3);
    expect(answers).toEqual(Array(3).fill('arbor://a/nobody'));
    const s0 = b.lookup('s0')!.getSnapshot() as { status: string; context: { got: string[] } };
    expect(s0.status).toBe('active');
    expect(s0.context.got).toHaveLength(3);
  });

  it('a stage with no actor on its node fails the chain there, with the reason', async () => {
    const link = new Link();
    const { a, refs } = await threeNodes(link, ['b', 'c']);
    const missing = a.lookup('arbor://c/nobody')!;
    const ref = a.spawn(chain(stagesTo([refs[0]!, missing, refs[1]!]), { id: 'article' }), { id: 'article' });
    ref.send(start());
    const out = (await ref.result()) as ChainOutput;
    expect(out.status).toBe('failed');
    expect(out.failure).toMatchObject({ stage: 'draft', kind: 'error' });
    expect(out.failure?.reason).toBe('no actor at arbor://c/nobody');
    expect(out.events.map((e) => e.type)).toEqual(['research.requested', 'research.done']);
  });
});

