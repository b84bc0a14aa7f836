/**
 * The floor side of `peer-bullmq`: the pipeline done with rabbitmq-client alone, no actors, no
 * runtime, so each Arbor row's latency splits into what the broker costs and what Arbor adds. The
 * topology of the `direct` row: four processes (the producer and one per stage), one durable queue
 * per stage and one for finished workflows (`done`, consumed by the producer), all behind one
 * durable topic exchange as Arbor's node queues are. Messages are persistent and published with
 * confirms, pipelined (nothing waits for one confirm before the next publish). A stage consumes its
 * queue with Arbor's node-queue prefetch and concurrency (64), publishes each message on to the
 * next queue and is acked once that publish is confirmed (confirm before ack, as Arbor's host
 * does), so a killed stage process loses nothing either. The same pipeline in every row (a chain,
 * a fan-out or placed stages are Arbor's way of doing more than this).
 */
import { Connection, type Consumer, type Publisher } from 'rabbitmq-client';
import { floorConsumerProps } from './amqp-floor.js';
import { STAGES, Workflows, type ProcessConfig, type Role, type RoleHandle } from './peer-bullmq-roles.js';

/** The queues of the floor pipeline under `namespace`: one per stage, and `done`. */
export function floorQueues(namespace: string): string[] {
  return [...STAGES, 'done'].map((q) => floorQueue(namespace, q));
}

const floorQueue = (namespace: string, name: string): string => `${namespace}.floor.${name}`;
const floorExchange = (namespace: string): string => `${namespace}.floor`;
const nextOf = (role: Role): string => (role === 'research' ? 'draft' : role === 'draft' ? 'review' : role === 'review' ? 'done' : 'research');

/** One process of the floor side: a stage or the producer. */
export async function floorRole(config: ProcessConfig): Promise<RoleHandle> {
  const { namespace } = config;
  const exchange = floorExchange(namespace);
  const connection = new Connection({ url: config.amqpUrl, noDelay: true });
  connection.on('error', () => undefined);
  const publisher: Publisher = connection.createPublisher({ confirm: true, maxAttempts: 1 });
  const target = floorQueue(namespace, nextOf(config.role));
  const publish = (body: Buffer) => publisher.send({ exchange, routingKey: target, durable: true }, body);
  const queue = floorQueue(namespace, config.role === 'producer' ? 'done' : config.role);
  let flows: Workflows | undefined;
  // A stage passes each message on and is acked once the broker confirmed it; the producer's `done` consumer ends the workflow.
  const handler = config.role === 'producer' ? (msg: { body: unknown }) => flows?.done(idOf(msg.body)) : (msg: { body: unknown }) => publish(bytesOf(msg.body));
  const consumer: Consumer = connection.createConsumer(floorConsumerProps(exchange, queue), handler);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`floor ${config.role}: consumer not ready within 30 s`)), 30_000);
    consumer.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  if (config.role === 'producer') flows = new Workflows((id) => void publish(Buffer.from(String(id))));
  return {
    // Every queue is declared by its consumer, and every process is up before `wire`: nothing is published to a missing queue.
    wire: async () => undefined,
    ...(flows ? { batch: (count: number) => (flows as Workflows).batch(count), sequential: (count: number) => (flows as Workflows).sequential(count) } : {}),
    async stop() {
      await consumer.close();
      await publisher.close();
      await connection.queueDelete({ queue }).catch(() => undefined);
      if (config.role === 'producer') await connection.exchangeDelete({ exchange }).catch(() => undefined);
      await connection.close();
    },
  };
}

function bytesOf(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(String(body));
}

function idOf(body: unknown): number {
  return Number(bytesOf(body).toString());
}
