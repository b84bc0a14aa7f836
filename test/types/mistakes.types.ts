/**
 * Type tests, checked by `tsc` (the typecheck in `npm test`), never run: each
 * `@ts-expect-error` line is a mistake a user makes that must not compile, and each unmarked
 * line is correct code that must keep compiling without casts.
 */
import { fromPromise, setup, type AnyActorRef } from 'xstate';
import { createSystem, supervisor, type ActorRef, type SupervisorReport } from '../../src/index.js';
import { chain, scatterGather, type GatherOutput } from '../../src/patterns/index.js';

const counter = setup({
  types: {
    input: {} as { start: number },
    context: {} as { n: number },
    events: {} as { type: 'inc'; by: number } | { type: 'get'; replyTo: AnyActorRef },
    output: {} as { total: number },
  },
}).createMachine({ context: ({ input }) => ({ n: input.start }), output: ({ context }) => ({ total: context.n }) });

const model = fromPromise<string, { prompt: string }>(async ({ input }) => input.prompt);

export async function mistakes(): Promise<void> {
  const system = await createSystem({ logger: false });

  // --- a child's input is checked against its own logic --------------------------------------
  supervisor({ children: [{ id: 'c', logic: counter, input: { start: 1 } }, { id: 'm', logic: model, input: { prompt: 'hi' } }] });
  // @ts-expect-error `start` must be a number
  supervisor({ children: [{ id: 'c', logic: counter, input: { start: 'one' } }] });
  // @ts-expect-error the model takes `{ prompt }`, not `{ text }`
  supervisor({ children: [{ id: 'c', logic: counter, input: { start: 1 } }, { id: 'm', logic: model, input: { text: 'hi' } }] });
  // @ts-expect-error logic must be actor logic or a supervisor
  supervisor({ children: [{ id: 'c', logic: 42 }] });
  // a child placed by kind has no logic to check against
  supervisor({ children: [{ id: 'k', kind: 'acc', node: ['b'] }] });
  // ... and beside it, a child with logic is still checked against its own
  supervisor({ children: [{ id: 'k', kind: 'acc', input: { anything: true } }, { id: 'c', logic: counter, input: { start: 1 } }] });
  // @ts-expect-error `start` must be a number, a `kind` child beside it or not
  supervisor({ children: [{ id: 'k', kind: 'acc' }, { id: 'c', logic: counter, input: { start: 'one' } }] });
  // @ts-expect-error the model takes `{ prompt }`, with a `kind` child first
  supervisor({ children: [{ id: 'k', kind: 'acc' }, { id: 'm', logic: model, input: { text: 'hi' } }] });
  // @ts-expect-error logic must be actor logic or a supervisor, with a `kind` child first
  supervisor({ children: [{ id: 'k', kind: 'acc' }, { id: 'm', logic: 42 }] });

  // --- spawn: input, events and output come from the logic -----------------------------------
  // @ts-expect-error the counter's input is `{ start: number }`
  system.spawn(counter, { id: 'bad', input: { begin: 1 } });
  // @ts-expect-error logic must be actor logic
  system.spawn(42, { id: 'n' });
  const ref = system.spawn(counter, { id: 'c', input: { start: 0 } });
  ref.send({ type: 'inc', by: 1 });
  // @ts-expect-error the counter has no `dec` event
  ref.send({ type: 'dec' });
  // @ts-expect-error `by` must be a number
  ref.send({ type: 'inc', by: '1' });
  // a message id for any ref, as a send option: the counter's events do not declare `messageId`
  ref.send({ type: 'inc', by: 1 }, { messageId: 'order-7/inc-1' });
  ref.send({ type: 'inc', by: 1 }, { messageId: 'order-7/inc-2', priority: 'urgent' });
  // @ts-expect-error a message id is a string
  ref.send({ type: 'inc', by: 1 }, { messageId: 7 });
  // @ts-expect-error ... and not a field of an event that does not declare it
  ref.send({ type: 'inc', by: 1, messageId: 'order-7/inc-3' });
  await ref.ask({ type: 'get' }); // `replyTo` is added by the runtime
  // @ts-expect-error the counter has no `reset` event
  await ref.ask({ type: 'reset' });
  const output: { total: number } = await ref.result();
  void output.total;

  // a typed ref still goes wherever any ref does
  const any: ActorRef = system.lookup('c')!;
  any.send({ type: 'whatever', extra: 1 });
  system.subscribe('counter.*', ref);

  // --- system events are named -----------------------------------------------------------------
  system.on('report', (r: SupervisorReport) => {
    if (r.kind === 'shutdown' && r.reason === 'MAX_RESTART_INTENSITY') return;
    if (r.reason instanceof Error) void r.reason.message;
  });
  system.on('deadLetter', (d) => void d.recipient);
  // @ts-expect-error the event is `deadLetter`
  system.on('deadletter', () => {});
  // @ts-expect-error a report's reason is 'normal', a shutdown reason or an Error
  const reason: SupervisorReport['reason'] = 42;
  void reason;

  // --- patterns: input and output ------------------------------------------------------------------
  const gather = scatterGather<{ value: number }>({ deadline: 1000 });
  const g = system.spawn(gather, { id: 'g', input: { workers: [ref], request: { type: 'estimate' } } });
  const out: GatherOutput<{ value: number }> = await g.result();
  void out.results.map((r) => r.reply.value);
  // @ts-expect-error `workers` must be a list of refs (or paths)
  system.spawn(gather, { id: 'g2', input: { workers: 'all', request: { type: 'estimate' } } });
  // @ts-expect-error the request needs a `type`
  system.spawn(gather, { id: 'g3', input: { workers: [ref], request: { kind: 'estimate' } } });

  // --- a supervisor's result: each child's output under its id ---------------------------------------
  const tree = system.spawn(
    supervisor({ aggregate: { policy: 'all' }, children: [{ id: 'c', logic: counter, input: { start: 1 } }, { id: 'm', logic: model, input: { prompt: 'hi' } }] }),
    { id: 'tree' },
  );
  const results = await tree.result();
  const total: number | undefined = results.c?.total;
  const text: string | undefined = results.m;
  void [total, text];
  // @ts-expect-error no child has the id `x`
  void results.x;
  // @ts-expect-error the model's output is a string
  const notNumber: number | undefined = results.m;
  // @ts-expect-error a child may end without a result (`any`, `quorum`, `proceed`, auto-shutdown): every key is optional
  const surely: { total: number } = results.c;
  void [notNumber, surely];
  // nested supervisors nest their results
  const nested = system.spawn(supervisor({ children: [{ id: 'inner', logic: supervisor({ children: [{ id: 'c', logic: counter, input: { start: 0 } }] }) }] }), { id: 'nested' });
  const deep = await nested.result();
  const innerTotal: number | undefined = deep.inner?.c?.total;
  void innerTotal;
  // @ts-expect-error the inner supervisor has no child `d`
  void deep.inner?.d;
  // a child placed by kind runs logic tsc cannot see: its output is unknown
  const byKind = await system.spawn(supervisor({ children: [{ id: 'k', kind: 'acc' }] }), { id: 'byKind' }).result();
  const fromKind: unknown = byKind.k;
  // @ts-expect-error the output of a child placed by kind is unknown
  const kindTotal: number | undefined = byKind.k;
  // beside a kind child, a child with logic keeps its typed output
  const mixed = await system.spawn(supervisor({ children: [{ id: 'k', kind: 'acc' }, { id: 'c', logic: counter, input: { start: 1 } }] }), { id: 'mixed' }).result();
  const mixedTotal: number | undefined = mixed.c?.total;
  void mixedTotal;
  void [fromKind, kindTotal];
  // children not known one by one (none yet, or a list built at run time): any id, outputs as known
  const open = await system.spawn(supervisor({ children: [] }), { id: 'open' }).result();
  const later: unknown = open['added-by-startChild'];
  const built = [1, 2].map((n) => ({ id: `c${n}`, logic: counter, input: { start: n } }));
  const many = await system.spawn(supervisor({ children: built }), { id: 'many' }).result();
  const someTotal: number | undefined = many['c1']?.total;
  void [later, someTotal];
  // @ts-expect-error the counters' outputs have no `count`
  void many['c1']?.count;

  // --- dynamic children ------------------------------------------------------------------------------
  const root = system.spawn(supervisor({ children: [] }), { id: 'root' });
  const child = await root.startChild({ id: 'c2', logic: counter, input: { start: 2 } });
  child.send({ type: 'inc', by: 2 });
  // @ts-expect-error the child is a counter
  child.send({ type: 'dec' });
  // @ts-expect-error the counter's input is `{ start: number }`
  await root.startChild({ id: 'c3', logic: counter, input: { start: '2' } });

  // --- chain stages: a function where the chain runs, or an actor it asks ---------------------------
  const researcher = system.spawn(counter, { id: 'researcher', input: { start: 0 } });
  chain([
    { on: 'research.requested', emit: 'research.done', to: researcher, timeout: 1000 },
    { on: 'research.done', emit: 'draft.done', run: (notes: unknown) => String(notes) },
  ]);
  // @ts-expect-error a stage has either `run` or `to`, not both
  chain([{ on: 'a.requested', emit: 'a.done', to: researcher, run: () => 1 }]);
  // @ts-expect-error a stage needs `run` or `to`
  chain([{ on: 'a.requested', emit: 'a.done' }]);
  // @ts-expect-error `to` is a ref, not a path
  chain([{ on: 'a.requested', emit: 'a.done', to: 'arbor://n/researcher' }]);
  // @ts-expect-error `timeout` belongs to ask stages
  chain([{ on: 'a.requested', emit: 'a.done', run: () => 1, timeout: 1000 }]);
}
