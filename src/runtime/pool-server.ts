/**
 * One node's server of a work pool (`system.servePool(kind, workers, { concurrency })`): the pool
 * messages this node takes go to its local workers, each worker given at most its share of
 * `concurrency` at once (one each when there are as many workers as `concurrency`), the rest
 * waiting here in arrival order (urgent ones first).
 *
 * A pool message is settled — and the transport acks its broker message — only when its worker
 * has finished it: processed it, and every actor it invoked or spawned while processing it has
 * stopped (`Cell.receipt(true)`). The transport takes `concurrency` messages at a time from the
 * pool queue (its prefetch), so a node never holds more pool work than it is doing: the broker
 * hands the rest to whichever node has a free worker (fair dispatch), and a node killed mid-job
 * leaves its unfinished jobs on the broker for the others.
 */
import type { Cell } from './cell.js';
import { Deque } from './deque.js';
import { ArborError, InvalidSpecError, toError } from './errors.js';
import type { ArborEvent } from './event.js';
import type { ActorRef } from './ref.js';

/** A worker of a pool: a ref to a local actor of any event type (the pool's messages are its events). */
export type PoolWorkerRef = ActorRef<never, unknown>;

/** Options of `system.servePool`. */
export interface ServePoolOptions {
  /**
   * How many pool messages this node works on at once: what it takes from the pool queue (its
   * broker prefetch), shared evenly among the workers. A message counts until its worker has
   * finished it, including the actors it invoked for it.
   * @default the number of workers when an array is given, else the transport's `poolPrefetch` (8)
   */
  concurrency?: number;
}

/** What a pool server needs of its system. */
export interface PoolServerDeps {
  /** The cell of a local actor, to follow each message to the end of its work. */
  cellAt(path: string): Cell | undefined;
  deadLetter(recipient: string, event: unknown, reason: ArborError): void;
}

interface Waiting {
  event: ArborEvent;
  urgent: boolean;
  resolve: () => void;
}

/** Validates the workers given to `servePool`: one local actor ref, or a non-empty array of them. */
export function poolWorkers(workers: unknown): readonly ActorRef[] {
  const list = Array.isArray(workers) ? (workers as unknown[]) : [workers];
  if (list.length === 0) throw new InvalidSpecError('workers', workers, 'must be an actor ref or a non-empty array of actor refs');
  list.forEach((w, i) => {
    if (typeof w !== 'object' || w === null || typeof (w as { send?: unknown }).send !== 'function') {
      throw new InvalidSpecError(Array.isArray(workers) ? `workers[${i}]` : 'ref', w, 'must be an actor ref');
    }
  });
  return list as ActorRef[];
}

export class PoolServer {
  /** Messages each worker holds now (handed, not finished). */
  private readonly inFlight: number[];
  /** At most this many messages per worker at once. */
  private readonly perWorker: number;
  private readonly waiting = new Deque<Waiting>(8);

  constructor(
    readonly kind: string,
    readonly workers: readonly ActorRef[],
    /** Messages worked on at once on this node (the pool queue's prefetch); `undefined`: as many as the transport hands over. */
    readonly concurrency: number | undefined,
    private readonly deps: PoolServerDeps,
  ) {
    this.inFlight = workers.map(() => 0);
    this.perWorker = concurrency === undefined ? Infinity : Math.max(1, Math.ceil(concurrency / workers.length));
  }

  /** Hands a pool message to a free worker (or queues it until one is free); resolves once its work is finished. */
  offer(event: ArborEvent, urgent: boolean): Promise<void> {
    const i = this.freeWorker();
    if (i >= 0 && this.waiting.size === 0) return this.hand(i, event, urgent);
    return new Promise<void>((resolve) => {
      const w = { event, urgent, resolve };
      if (urgent) this.waiting.pushUrgent(w);
      else this.waiting.push(w);
      this.pump();
    });
  }

  /** Messages handed to workers and not finished, and messages waiting for a worker. */
  get load(): { working: number; waiting: number } {
    return { working: this.inFlight.reduce((a, b) => a + b, 0), waiting: this.waiting.size };
  }

  /** The least busy worker with room, or -1. */
  private freeWorker(): number {
    let best = -1;
    for (let i = 0; i < this.inFlight.length; i++) {
      const n = this.inFlight[i] as number;
      if (n < this.perWorker && (best < 0 || n < (this.inFlight[best] as number))) best = i;
    }
    return best;
  }

  private pump(): void {
    for (let i = this.freeWorker(); i >= 0 && this.waiting.size > 0; i = this.freeWorker()) {
      const w = this.waiting.shift() as Waiting;
      void this.hand(i, w.event, w.urgent).then(w.resolve);
    }
  }

  private hand(i: number, event: ArborEvent, urgent: boolean): Promise<void> {
    const worker = this.workers[i] as ActorRef;
    const cell = this.deps.cellAt(worker.path);
    let done: Promise<void>;
    try {
      if (cell) {
        cell.tell(event, undefined, urgent);
        done = cell.receipt(true);
      } else {
        worker.send(event, { priority: urgent ? 'urgent' : 'normal' });
        done = Promise.resolve();
      }
    } catch (err) {
      // A full mailbox under the 'throw' policy, or a schema refusing it: never lost silently.
      const error = err instanceof ArborError ? err : new ArborError('DELIVERY_FAILED', `pool "${this.kind}" worker ${worker.path} refused a message: ${toError(err).message}`, { kind: this.kind, path: worker.path });
      this.deps.deadLetter(worker.path, event, error);
      return Promise.resolve();
    }
    this.inFlight[i] = (this.inFlight[i] as number) + 1;
    return done.then(() => {
      this.inFlight[i] = (this.inFlight[i] as number) - 1;
      this.pump();
    });
  }
}
