/**
 * Coalescing: envelopes sent within one event-loop tick to the same destination leave as few AMQP
 * messages as possible. An AMQP publish costs a frame set, a broker routing decision and a confirm
 * whatever its size, so for small envelopes those fixed costs dominate; a batch pays them once.
 *
 * The first envelope of a turn of the event loop does not wait for the tick: it leaves once the
 * current synchronous work and the microtasks queued before it are done, with whatever was sent
 * alongside; what is sent later in the same turn gathers for the tick. So a lone message (one
 * request at a time, a reply) pays no turn of latency, and under load, when a turn carries many
 * deliveries and their sends, a turn costs one small frame more than before and batches still
 * gather. (Not "while no publish is unconfirmed", as Nagle's rule would have it: a persistent
 * message's confirm waits for the broker's disk, often longer than a whole round trip, so a ping
 * sent after its pong would still find the previous ping unconfirmed.)
 *
 * Batches are cut from runs of consecutive envelopes (per destination) that share a routing key,
 * because the routing key is what observers bind on (`node.*.msg.order_created`): a batch under
 * one key never hides an envelope of another type from a tap. Runs are emitted in send order per
 * destination, and everything goes out on one channel, so per-sender order holds.
 */
import type { Envelope } from '../runtime/transport.js';
import { BATCH_ITEM_OVERHEAD, BATCH_OVERHEAD, encodeBatch } from './codec.js';
import type { CoalesceOptions } from './options.js';

/** One encoded envelope waiting to go out. */
export interface OutItem {
  /** Destination (a node queue or pool); batches never span two. */
  group: string;
  routingKey: string;
  /** The envelope's `'env'` frame. */
  bytes: Buffer;
  envelope: Envelope;
  /** At most this many envelopes in its batch (a pool's `poolBatch`); default `maxBatchCount`. */
  limit?: number | undefined;
}

/** What leaves: one AMQP message carrying one or more envelopes. */
export interface OutFrame {
  routingKey: string;
  body: Buffer;
  envelopes: Envelope[];
}

/** Collects items for one tick (`setImmediate`), the first of a turn for its microtasks only, and hands them on as frames. */
export class Coalescer {
  private pending: OutItem[] = [];
  private scheduled: ReturnType<typeof setImmediate> | undefined;
  /** A flush queued as a microtask (the first send of this turn); a later flush makes it a no-op. */
  private soon = false;
  /** This turn has had its early flush: later sends wait for the tick. Cleared by the next check phase. */
  private early = false;
  private readonly flushSoon = (): void => {
    if (this.soon) this.flush();
  };
  private readonly turnOver = (): void => {
    this.early = false;
  };

  /**
   * @param emit sends one frame.
   * @param burst runs the emits of one flush (the transport corks its socket around them, so that
   *   the frames of one flush leave in one write); by default it just runs them.
   */
  constructor(
    private readonly options: CoalesceOptions,
    private readonly emit: (frame: OutFrame) => void,
    private readonly burst: (emits: () => void) => void = (emits) => emits(),
  ) {}

  /** Queues one item; without coalescing it leaves at once. */
  push(item: OutItem): void {
    if (!this.options.enabled) {
      this.emit({ routingKey: item.routingKey, body: item.bytes, envelopes: [item.envelope] });
      return;
    }
    this.pending.push(item);
    if (this.scheduled || this.soon) return;
    if (!this.early) {
      this.early = true;
      this.soon = true;
      queueMicrotask(this.flushSoon);
      setImmediate(this.turnOver);
      return;
    }
    // setImmediate, not a microtask: a burst of sends from one synchronous handler and from the
    // promise continuations it triggers all land in the same batch.
    this.scheduled = setImmediate(() => this.flush());
  }

  /** How many items wait for the next tick. */
  get size(): number {
    return this.pending.length;
  }

  /** Emits everything pending now. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.soon = false;
    const items = this.pending;
    this.pending = [];
    if (items.length === 0) return;
    this.burst(() => {
      for (const group of groupBy(items)) this.emitRuns(group);
    });
  }

  private emitRuns(items: OutItem[]): void {
    const { maxBatchBytes, maxBatchCount } = this.options;
    let run: OutItem[] = [];
    let bytes = BATCH_OVERHEAD;
    const close = (): void => {
      if (run.length > 0) this.emit(toFrame(run));
      run = [];
      bytes = BATCH_OVERHEAD;
    };
    for (const item of items) {
      const cost = item.bytes.length + BATCH_ITEM_OVERHEAD;
      const first = run[0];
      if (first && (first.routingKey !== item.routingKey || run.length >= Math.min(maxBatchCount, item.limit ?? maxBatchCount) || bytes + cost > maxBatchBytes)) close();
      run.push(item);
      bytes += cost;
    }
    close();
  }
}

/** Items grouped by destination; groups in order of first appearance, items in send order. */
function groupBy(items: OutItem[]): OutItem[][] {
  const groups = new Map<string, OutItem[]>();
  for (const item of items) {
    const list = groups.get(item.group);
    if (list) list.push(item);
    else groups.set(item.group, [item]);
  }
  return [...groups.values()];
}

function toFrame(run: OutItem[]): OutFrame {
  const [only] = run;
  if (run.length === 1 && only) return { routingKey: only.routingKey, body: only.bytes, envelopes: [only.envelope] };
  return { routingKey: run[0]?.routingKey ?? '', body: encodeBatch(run.map((i) => i.bytes)), envelopes: run.map((i) => i.envelope) };
}
