/**
 * Arbor's side of `peer-bullmq`: one node per process (`p` the producer, `r`, `d`, `v` the stages)
 * on one RabbitMQ cluster, with Arbor's defaults (persistent messages, publisher confirms, acks
 * once taken or processed). A stage is one trivial machine: `work` goes on to its `next` ref, or is
 * answered when it carries a `replyTo` (asked by `chain()` or a gather). How `next` is set is
 * what the rows differ in:
 * - `placed`: a supervisor on `p` places the three stages (`{ kind: 'stage', node }`); `p` hands
 *   each its successor's ref (paths owned by `p`), the last one `p`'s sink.
 * - `direct`: each stage node runs its stage as a root actor; successors are `arbor://<node>/stage`.
 * - `pool`: each stage node serves the pool of its stage; successors are `poolRef(<next stage>)`.
 *   Served with `concurrency: BULL_CONCURRENCY`, the same work in hand per stage process as the
 *   BullMQ workers' `concurrency` (the default, `poolPrefetch` 8, made the row a test of 8 vs 50
 *   messages in flight per stage rather than of the two runtimes).
 * - `chain`: stages placed as in `placed`; per workflow `p` spawns a `chain()` whose stage `run`s
 *   ask the placed stages.
 * - `chain-slip`: the same with ask stages (`{ on, emit, to }`): one routing slip, each stage's
 *   answer going on to the next stage from the stage's node, and reported to the chain beside it.
 * - `fanout`: four stage children placed on `r`, `d`, `v`, `r`; per workflow `p` spawns a
 *   `scatterGather` (policy `all`) asking all four.
 */
import { assign, setup } from 'xstate';
import { chain, createEvent, scatterGather } from '../src/patterns/index.js';
import { createSystem, rabbitmqTransport, supervisor, type ActorRef, type System } from '../src/index.js';
import { BULL_CONCURRENCY, FAN, NODE_OF, STAGES, Workflows, type ProcessConfig, type Role, type RoleHandle } from './peer-bullmq-roles.js';

/** The events a `chain()` of ask stages sends its stages: the chain's events, `data` carrying the workflow's id. */
type ChainStep = { type: 'research.requested' | 'research.done' | 'draft.done'; data: { id: number }; replyTo: ActorRef };

type StageEvent =
  | { type: 'wire'; next: ActorRef }
  | { type: 'ping'; replyTo: ActorRef }
  | { type: 'work'; id: number; replyTo?: ActorRef }
  | ChainStep;

const answerStep = ({ event }: { event: StageEvent }) => {
  const step = event as ChainStep;
  step.replyTo.send({ type: 'done', id: step.data.id });
};

/** A stage: passes `work` on to `next`, or answers it when asked; answers a chain's step. */
export const stage = setup({ types: { context: {} as { next: ActorRef | undefined }, events: {} as StageEvent } }).createMachine({
  context: { next: undefined },
  on: {
    wire: { actions: assign({ next: ({ event }) => event.next }) },
    ping: { actions: ({ event }) => event.replyTo.send({ type: 'pong' }) },
    work: {
      actions: ({ context, event }) => {
        if (event.replyTo) event.replyTo.send({ type: 'done', id: event.id });
        else context.next?.send({ type: 'work', id: event.id });
      },
    },
    'research.requested': { actions: answerStep },
    'research.done': { actions: answerStep },
    'draft.done': { actions: answerStep },
  },
});

/** The producer's sink: the last stage sends each finished workflow here. */
const sinkOf = (done: (id: number) => void) =>
  setup({ types: { events: {} as { type: 'work'; id: number } } }).createMachine({
    on: { work: { actions: ({ event }) => done(event.id) } },
  });

const ASK_TIMEOUT = 300_000;

async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function system(config: ProcessConfig): Promise<System> {
  return createSystem({
    node: NODE_OF[config.role],
    logger: false,
    kinds: config.role === 'producer' ? {} : { stage },
    // PEER_BULLMQ_POOL_BATCH=<n>: the pool row with another poolBatch than the default (1: one AMQP message per pool message).
    transport: rabbitmqTransport({ url: config.amqpUrl, cluster: config.namespace, ...(process.env.PEER_BULLMQ_POOL_BATCH ? { poolBatch: Number(process.env.PEER_BULLMQ_POOL_BATCH) } : {}) }),
  });
}

const nextStage = (role: Role): Role => (role === 'research' ? 'draft' : role === 'draft' ? 'review' : 'producer');

/** A stage node: hosts placed stages for `p` (every row), and runs or serves its own stage where the row wants it. */
async function stageRole(config: ProcessConfig): Promise<RoleHandle> {
  const a = await system(config);
  const own = config.row === 'direct' || config.row === 'pool' ? a.spawn(stage, { id: 'stage' }) : undefined;
  const stopPool = config.row === 'pool' && own ? await a.servePool(config.role, own, { concurrency: BULL_CONCURRENCY }) : undefined;
  return {
    async wire() {
      if (!own) return;
      const next = nextStage(config.role);
      const node = NODE_OF[next];
      await until(`${a.node} to see ${node}`, () => a.nodes().some((n) => n.node === node));
      const ref = next === 'producer' ? a.lookup(`arbor://${node}/sink`) : config.row === 'pool' ? a.poolRef(next) : a.lookup(`arbor://${node}/stage`);
      if (!ref) throw new Error(`no ref to the ${next} stage`);
      own.send({ type: 'wire', next: ref });
    },
    async stop() {
      await stopPool?.();
      await a.shutdown();
    },
  };
}

async function producerRole(config: ProcessConfig): Promise<RoleHandle> {
  const a = await system(config);
  let start: (id: number) => void = () => undefined;
  const flows = new Workflows((id) => start(id));
  const sink = a.spawn(sinkOf(flows.done), { id: 'sink' });
  const stageNodes = STAGES.map((s) => NODE_OF[s]);

  async function placeStages(children: { id: string; node: string }[]): Promise<ActorRef[]> {
    await until('the stage nodes', () => stageNodes.every((n) => a.nodes().some((i) => i.node === n)));
    a.spawn(supervisor({ intensity: 10, children: children.map((c) => ({ ...c, kind: 'stage' })) }), { id: 'root' });
    const refs = children.map((c) => a.lookup(`root/${c.id}`));
    if (!refs.every((r) => r !== undefined)) throw new Error('a placed stage has no ref');
    await Promise.all(refs.map((r) => r.ask({ type: 'ping' }, { timeout: ASK_TIMEOUT })));
    return refs;
  }

  return {
    async wire() {
      if (config.row === 'placed' || config.row === 'chain' || config.row === 'chain-slip') {
        const refs = await placeStages(STAGES.map((s) => ({ id: s, node: NODE_OF[s] })));
        const [research, draft, review] = refs as [ActorRef, ActorRef, ActorRef];
        if (config.row === 'placed') {
          research.send({ type: 'wire', next: draft });
          draft.send({ type: 'wire', next: review });
          review.send({ type: 'wire', next: sink });
          start = (id) => research.send({ type: 'work', id });
        } else {
          const ask = (ref: ActorRef) => async (data: { id: number }) => ref.ask<{ type: 'done'; id: number }>({ type: 'work', id: data.id }, { timeout: ASK_TIMEOUT });
          const workflow =
            config.row === 'chain'
              ? chain([
                  { on: 'research.requested', emit: 'research.done', run: ask(research) },
                  { on: 'research.done', emit: 'draft.done', run: ask(draft) },
                  { on: 'draft.done', emit: 'review.done', run: ask(review) },
                ])
              : // Ask stages: the chain sends one routing slip, and each stage's answer goes on to the next stage from the stage's node.
                chain([
                  { on: 'research.requested', emit: 'research.done', to: research, timeout: ASK_TIMEOUT },
                  { on: 'research.done', emit: 'draft.done', to: draft, timeout: ASK_TIMEOUT },
                  { on: 'draft.done', emit: 'review.done', to: review, timeout: ASK_TIMEOUT },
                ]);
          start = (id) => {
            const ref = a.spawn(workflow, { id: `wf-${id}` });
            ref.send(createEvent('research.requested', { id }, { source: 'producer' }));
            void ref.result().then(() => flows.done(id));
          };
        }
      } else if (config.row === 'fanout') {
        const hosts = [...stageNodes, stageNodes[0] as string];
        const workers = await placeStages(Array.from({ length: FAN }, (_, i) => ({ id: `f${i}`, node: hosts[i % hosts.length] as string })));
        const gather = scatterGather({ policy: 'all', deadline: ASK_TIMEOUT });
        start = (id) => {
          const ref = a.spawn(gather, { id: `g-${id}`, input: { workers, request: { type: 'work', id } } });
          void ref.result().then(() => flows.done(id));
        };
      } else {
        await until('the stage nodes', () => stageNodes.every((n) => a.nodes().some((i) => i.node === n)));
        if (config.row === 'pool') {
          const research = a.poolRef('research');
          start = (id) => research.send({ type: 'work', id });
        } else {
          const research = a.lookup(`arbor://${NODE_OF.research}/stage`);
          if (!research) throw new Error('no ref to the research stage');
          start = (id) => research.send({ type: 'work', id });
        }
      }
    },
    batch: (count) => flows.batch(count),
    sequential: (count) => flows.sequential(count),
    stop: () => a.shutdown(),
  };
}

export function arborRole(config: ProcessConfig): Promise<RoleHandle> {
  return config.role === 'producer' ? producerRole(config) : stageRole(config);
}
