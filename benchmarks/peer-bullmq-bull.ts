/**
 * BullMQ's side of `peer-bullmq`, as a Node.js team would write the same pipeline: one queue per
 * stage (`research` → `draft` → `review` → `done`), each stage's worker (concurrency 50) in its own
 * process adding the job for the next stage before it completes its own, and the producer adding
 * the first job and consuming `done`. The fan-out row is BullMQ's own fan-out: a `FlowProducer`
 * adds a `gather` parent with four `fan` children (served by the three stage processes); the
 * producer's `gather` worker runs once all four completed and reads their values. Jobs are removed
 * once completed (BullMQ's fastest setting). Everything lives under a key prefix of its own.
 */
import { FlowProducer, Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { BULL_CONCURRENCY, FAN, Workflows, type ProcessConfig, type Role, type RoleHandle } from './peer-bullmq-roles.js';

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: 1000 };

interface Data {
  id: number;
}

function connection(config: ProcessConfig): ConnectionOptions {
  return { host: config.redis.host, port: config.redis.port, maxRetriesPerRequest: null };
}

async function stageRole(config: ProcessConfig): Promise<RoleHandle> {
  const opts = { connection: connection(config), prefix: config.namespace };
  const closers: { close(): Promise<void> }[] = [];
  if (config.row === 'fanout') {
    closers.push(new Worker<Data & { k: number }>('fan', async (job) => ({ id: job.data.id, k: job.data.k }), { ...opts, concurrency: BULL_CONCURRENCY }));
  } else {
    const next = new Queue<Data>(config.role === 'research' ? 'draft' : config.role === 'draft' ? 'review' : 'done', { ...opts, defaultJobOptions: JOB_OPTIONS });
    const worker = new Worker<Data>(
      config.role,
      async (job) => {
        await next.add('w', { id: job.data.id });
      },
      { ...opts, concurrency: BULL_CONCURRENCY },
    );
    closers.push(worker, next);
  }
  await Promise.all(closers.map((c) => (c instanceof Worker ? c.waitUntilReady() : Promise.resolve())));
  return {
    wire: async () => undefined,
    stop: async () => {
      for (const c of closers) await c.close();
    },
  };
}

async function producerRole(config: ProcessConfig): Promise<RoleHandle> {
  const opts = { connection: connection(config), prefix: config.namespace };
  let flows: Workflows;
  const closers: { close(): Promise<void> }[] = [];
  if (config.row === 'fanout') {
    const flow = new FlowProducer(opts);
    const gather = new Worker<Data>(
      'gather',
      async (job: Job<Data>) => {
        const values = await job.getChildrenValues();
        if (Object.keys(values).length !== FAN) throw new Error(`gather ${job.data.id}: ${Object.keys(values).length} of ${FAN} values`);
        flows.done(job.data.id);
      },
      { ...opts, concurrency: BULL_CONCURRENCY },
    );
    closers.push(gather, flow);
    await gather.waitUntilReady();
    flows = new Workflows((id) => {
      void flow.add({
        name: 'g',
        queueName: 'gather',
        data: { id },
        opts: JOB_OPTIONS,
        children: Array.from({ length: FAN }, (_, k) => ({ name: 'f', queueName: 'fan', data: { id, k }, opts: JOB_OPTIONS })),
      });
    });
  } else {
    const research = new Queue<Data>('research', { ...opts, defaultJobOptions: JOB_OPTIONS });
    const done = new Worker<Data>('done', async (job) => flows.done(job.data.id), { ...opts, concurrency: BULL_CONCURRENCY });
    closers.push(done, research);
    await done.waitUntilReady();
    flows = new Workflows((id) => void research.add('w', { id }));
  }
  return {
    wire: async () => undefined,
    batch: (count) => flows.batch(count),
    sequential: (count) => flows.sequential(count),
    stop: async () => {
      for (const c of closers) await c.close();
    },
  };
}

export function bullRole(config: ProcessConfig): Promise<RoleHandle> {
  return config.role === ('producer' satisfies Role) ? producerRole(config) : stageRole(config);
}
