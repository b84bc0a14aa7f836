/**
 * The cluster's dead-letter queue as the inspector page sees it: the entries `arbor dlq list`
 * shows, and the same redrive as `arbor dlq redrive` ({@link DeadLetterQueue}, which holds the
 * entries unacknowledged while it works and removes each only after the broker confirmed its
 * resend). Each call opens its own connection and closes it; calls run one at a time, so two
 * clicks never walk the queue at once.
 */
import type { Logger } from 'pino';
import { DeadLetterQueue, type DlqEntry, type DlqFilter, type RedriveReport } from '../transport/dlq.js';

/** What the inspector's `/api/dlq` routes call. */
export interface DlqSource {
  /** The dead-letter queue's name. */
  readonly queue: string;
  list(filter: DlqFilter): Promise<DlqEntry[]>;
  redrive(filter: DlqFilter): Promise<RedriveReport>;
}

/** The broker's dead-letter queue of `cluster` at `url`. */
export function brokerDlq(url: string, cluster: string, logger: Logger): DlqSource {
  let queue: Promise<unknown> = Promise.resolve();
  const withQueue = <T>(fn: (dlq: DeadLetterQueue) => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      const dlq = new DeadLetterQueue({ url, cluster, logger });
      await dlq.open();
      try {
        return await fn(dlq);
      } finally {
        await dlq.close();
      }
    });
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    queue: new DeadLetterQueue({ url, cluster, logger }).topology.deadQueue,
    list: (filter) => withQueue((dlq) => dlq.list(filter)),
    redrive: (filter) => withQueue((dlq) => dlq.redrive(filter)),
  };
}

/** The dead-letter queue of a system on the RabbitMQ transport, or undefined for any other transport. */
export function dlqSourceOf(system: object, logger: Logger): DlqSource | undefined {
  const transport = (system as { transport?: { name?: unknown; options?: { url?: unknown; cluster?: unknown } } }).transport;
  if (transport?.name !== 'rabbitmq') return undefined;
  const { url, cluster } = transport.options ?? {};
  return typeof url === 'string' && typeof cluster === 'string' ? brokerDlq(url, cluster, logger) : undefined;
}
