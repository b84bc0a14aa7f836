/**
 * The simulated broker between simulated nodes, and the {@link Transport} each node plugs into
 * it. The runtime on every node is the real one (`Cluster`, remote cells, dedup by id); only the
 * wire is simulated, and it can produce exactly the orders and faults the RabbitMQ transport can:
 *
 * - **Order.** One FIFO channel per (sender node, destination node), as the broker keeps order
 *   per publisher and queue while the connection holds, and one more per pair for the control
 *   lane (`Transport.sendControl`: reports, requests, replies), a queue of its own on RabbitMQ.
 *   Which channel delivers next is the schedule's choice, so messages from different senders
 *   interleave in every possible way, and a report can overtake user messages sent before it;
 *   messages of one sender to one node on one lane never overtake each other, except a retried
 *   delivery (the real transport republishes it through a delay queue, so it lands behind later
 *   ones).
 * - **At least once.** The fault `duplicate` delivers a channel's head and puts a copy at its tail
 *   (a publish retried after a lost confirm). The receiving node filters repeats with the same
 *   {@link Dedup} window the real inbound path uses; what gets past it is the runtime's business.
 * - **Retries and dead letters.** A delivery the host refuses with `retry: true` comes back to the
 *   tail of its channel after the real backoff delay (a simulated timer), up to `maxAttempts`
 *   deliveries; then, or at once for `retry: false`, it goes to the dead-letter queue.
 * - **Bytes.** Every envelope is encoded and decoded with the real codec, so a receiver never
 *   shares an object with its sender and what cannot cross the wire fails as it would.
 * - **Node down / up.** A node that goes down stops consuming and sending, and its timers die.
 *   Messages already queued for it stay in its queue; the others are told `nodeDown` (detection is
 *   immediate: the heartbeat delay only shifts when the same steps happen) and drain its queue
 *   with `drainNode`, as they do over RabbitMQ (what is on its control lane is dropped with its
 *   control queue, undrained: reports to a node that is gone). A node brought up again under the same id is a
 *   fresh runtime that announces itself, and consumes its queue if nobody drained it.
 * - **Partition.** A node cut off from the broker sees every other node go down and is seen to go
 *   down by them, while its actors keep running; what it publishes waits for the heal (within the
 *   real `sendTimeout`), and its queue may be drained by the others meanwhile, as for a real one.
 *
 * Not modelled: work pools and topic publishes across nodes (`sendToPool`, `publish`), message
 * size limits, and a broker that is itself unreachable for everyone.
 */
import { ArborError, toError } from '../runtime/errors.js';
import type { DeliveryResult, Envelope, NodeInfo, Transport, TransportHost } from '../runtime/transport.js';
import { retryDelay } from '../transport/backoff.js';
import { decodeFrame, encodeEnvelope, envelopesOf } from '../transport/codec.js';
import { Dedup } from '../transport/Dedup.js';
import { DEFAULT_RABBITMQ_OPTIONS } from '../transport/options.js';
import type { SimTime } from './time.js';

/** One envelope on the simulated wire. */
export interface InFlight {
  /** Simulation-wide message number (stable across runs, unlike envelope ids). */
  n: number;
  from: string;
  to: string;
  bytes: Buffer;
  /** A short description for timelines: event type and target, or system op. */
  label: string;
  /** Taken from a dead node's queue by `to`. */
  drained: boolean;
}

/** A dead-lettered envelope on the simulated broker. */
export interface BrokerDeadLetter {
  label: string;
  to: string;
  code: string;
  message: string;
}

interface Link {
  host: TransportHost;
  dedup: Dedup;
  up: boolean;
}

/** A FIFO queue of envelopes from one node to another. */
export class Channel {
  readonly queue: InFlight[] = [];
  head = 0;

  constructor(
    readonly from: string,
    readonly to: string,
    /** The control lane's channel (see the module header). */
    readonly control = false,
  ) {}

  get size(): number {
    return this.queue.length - this.head;
  }

  peek(): InFlight | undefined {
    return this.queue[this.head];
  }

  shift(): InFlight | undefined {
    const m = this.queue[this.head];
    if (m === undefined) return undefined;
    this.head++;
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return m;
  }

  push(m: InFlight): void {
    this.queue.push(m);
  }
}

/** A short description of an envelope for timelines. */
export function describeEnvelope(envelope: Envelope): string {
  const body = envelope.body as { type?: unknown; op?: unknown; path?: unknown } | null;
  const rel = (p: string): string => p.replace(/^arbor:\/\//, '');
  if (envelope.kind === 'system') {
    const op = typeof body?.op === 'string' ? body.op : '?';
    return typeof body?.path === 'string' ? `$sys ${op} ${rel(body.path)}` : `$sys ${op}`;
  }
  const type = typeof body?.type === 'string' ? body.type : '?';
  return `${type} → ${rel(envelope.to)}${envelope.seq === undefined ? '' : ` #${envelope.seq}`}`;
}

export class SimNetwork {
  private readonly links = new Map<string, Link>();
  private readonly channels = new Map<string, Channel>();
  /** Channels in creation order: the order in which the schedule sees them. */
  readonly channelList: Channel[] = [];
  private readonly isolated = new Set<string>();
  /** Queues deleted by a drain: publishing to them is unroutable until their node declares them again. */
  private readonly deleted = new Set<string>();
  readonly deadLetters: BrokerDeadLetter[] = [];
  private seq = 0;

  constructor(private readonly time: SimTime) {}

  /** A transport for `node` on this network. */
  transport(node: string): SimTransport {
    return new SimTransport(this, node);
  }

  // --- membership ------------------------------------------------------------------------------

  attach(host: TransportHost): void {
    this.links.set(host.node, { host, dedup: new Dedup(DEFAULT_RABBITMQ_OPTIONS.dedupCapacity), up: true });
    this.deleted.delete(host.node);
  }

  /** Tells every node that can see `node` that it is up, and `node` of every node it can see. */
  announce(node: string): void {
    const link = this.links.get(node);
    if (!link) return;
    for (const [other, l] of this.links) {
      if (other === node || !this.sees(other, node)) continue;
      l.host.nodeUp(this.info(node));
      link.host.nodeUp(this.info(other));
    }
  }

  isUp(node: string): boolean {
    return this.links.get(node)?.up ?? false;
  }

  /** Whether `a` and `b` can talk through the broker. */
  sees(a: string, b: string): boolean {
    if (!this.isUp(a) || !this.isUp(b)) return false;
    return a === b || (!this.isolated.has(a) && !this.isolated.has(b));
  }

  info(node: string): NodeInfo {
    const link = this.links.get(node);
    return { node, kinds: link ? [...link.host.kinds] : [], lastSeen: this.time.now() };
  }

  /** The nodes `viewer` believes are up, itself included. */
  view(viewer: string): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const node of this.links.keys()) if (this.sees(viewer, node)) out.push(this.info(node));
    return out;
  }

  /** Crashes `node`: it consumes and sends nothing more; every node that saw it is told. */
  down(node: string): void {
    const link = this.links.get(node);
    if (!link || !link.up) return;
    const watchers = [...this.links.keys()].filter((o) => o !== node && this.sees(o, node));
    link.up = false;
    this.isolated.delete(node);
    for (const o of watchers) this.links.get(o)?.host.nodeDown(node);
  }

  /** Cuts `node` off the broker (or heals it): each side sees the other go down (or come up). */
  partition(node: string, cut: boolean): void {
    if (!this.isUp(node) || this.isolated.has(node) === cut) return;
    const others = [...this.links.keys()].filter((o) => o !== node && this.isUp(o) && !this.isolated.has(o));
    if (cut) this.isolated.add(node);
    else {
      this.isolated.delete(node);
      this.deleted.delete(node); // it reconnects and declares its queue again
    }
    const self = this.links.get(node) as Link;
    for (const o of others) {
      const other = this.links.get(o) as Link;
      if (cut) {
        other.host.nodeDown(node);
        self.host.nodeDown(o);
      } else {
        other.host.nodeUp(this.info(node));
        self.host.nodeUp(this.info(o));
      }
    }
  }

  isIsolated(node: string): boolean {
    return this.isolated.has(node);
  }

  // --- the wire --------------------------------------------------------------------------------

  private channel(from: string, to: string, control = false): Channel {
    const key = control ? `${from}>${to}#ctl` : `${from}>${to}`;
    let c = this.channels.get(key);
    if (!c) {
      c = new Channel(from, to, control);
      this.channels.set(key, c);
      this.channelList.push(c);
    }
    return c;
  }

  /** Publishes `envelope` from `from` to `to`'s queue (its control queue with `control`). */
  send(from: string, to: string, envelope: Envelope, control = false): void {
    // A dead process publishes nothing (what it had not published when it died is lost with it).
    if (!this.isUp(from)) return;
    const sender = this.links.get(from) as Link;
    if (!this.links.has(to) || this.deleted.has(to)) {
      const error = new ArborError('UNROUTABLE', `no queue for node "${to}"`, { node: to });
      queueMicrotask(() => sender.host.undeliverable(envelope, error));
      return;
    }
    let bytes: Buffer;
    try {
      bytes = encodeEnvelope(envelope);
    } catch (err) {
      const error = new ArborError('ENCODE_ERROR', `envelope cannot be encoded: ${toError(err).message}`, { to: envelope.to });
      queueMicrotask(() => sender.host.undeliverable(envelope, error));
      return;
    }
    this.channel(from, to, control).push({ n: ++this.seq, from, to, bytes, label: describeEnvelope(envelope), drained: false });
  }

  /** Whether the head of `c` can be delivered now. */
  deliverable(c: Channel): boolean {
    if (c.size === 0) return false;
    const head = c.peek() as InFlight;
    // A drained envelope is already in the drainer's hands; others need both ends on the broker.
    return head.drained ? this.isUp(c.to) && !this.isolated.has(c.to) : this.isUp(c.to) && !this.isolated.has(c.to) && !this.isolated.has(c.from);
  }

  /** Delivers the head of `c`; with `duplicate`, a copy goes to the tail (a publish retried after a lost confirm). */
  deliver(c: Channel, duplicate = false): InFlight | undefined {
    const m = c.shift();
    if (!m) return undefined;
    if (duplicate) c.push({ ...m, n: ++this.seq });
    const link = this.links.get(c.to) as Link;
    const decoded = decodeFrame(m.bytes);
    if (!decoded.ok) {
      this.deadLetters.push({ label: m.label, to: c.to, code: 'DECODE_ERROR', message: decoded.reason });
      return m;
    }
    for (const envelope of envelopesOf(decoded.frame)) {
      if (link.dedup.has(envelope.id)) continue;
      let result: DeliveryResult | Promise<DeliveryResult>;
      try {
        result = link.host.deliver(envelope);
      } catch (err) {
        result = { ok: false, retry: true, error: new ArborError('DELIVERY_FAILED', `host.deliver threw: ${toError(err).message}`, { messageId: envelope.id }) };
      }
      if (result instanceof Promise) void result.then((r) => this.settle(c, m, envelope, link, r));
      else this.settle(c, m, envelope, link, result);
    }
    return m;
  }

  private settle(c: Channel, m: InFlight, envelope: Envelope, link: Link, result: DeliveryResult): void {
    if (result.ok) {
      link.dedup.remember(envelope.id);
      return;
    }
    const attempts = (envelope.attempt ?? 0) + 1;
    if (!result.retry || attempts >= DEFAULT_RABBITMQ_OPTIONS.maxAttempts) {
      this.deadLetters.push({ label: m.label, to: c.to, code: result.error.code, message: result.error.message });
      return;
    }
    const delay = retryDelay(attempts, DEFAULT_RABBITMQ_OPTIONS.retryBackoff);
    this.time.set('network', () => {
      this.channel(c.from, c.to, c.control).push({ ...m, n: ++this.seq, bytes: encodeEnvelope({ ...envelope, attempt: attempts }) });
    }, delay);
  }

  /**
   * `drainer` takes over what is queued for the unreachable `node` and deletes its queue. The
   * simulation calls this at the step the node is lost (the real cluster asks a moment later,
   * deferred through its dispatcher to the end of that step; see `SimTransport.drainNode`).
   */
  drain(node: string, drainer: string): number {
    if (this.isUp(node) && !this.isolated.has(node)) return 0;
    this.deleted.add(node);
    let n = 0;
    for (const c of [...this.channelList]) {
      if (c.to !== node) continue;
      if (c.control) {
        // Deleted with the node's control queue, undrained.
        while (c.shift()) continue;
        continue;
      }
      const target = this.channel(`${c.from}~${node}`, drainer);
      for (let m = c.shift(); m; m = c.shift()) {
        target.push({ ...m, to: drainer, drained: true });
        n++;
      }
    }
    return n;
  }

  /** Envelopes on the wire (queued or waiting for a retry delay). */
  get inFlight(): number {
    let n = 0;
    for (const c of this.channelList) n += c.size;
    return n;
  }
}

/** One node's {@link Transport} on a {@link SimNetwork}. */
export class SimTransport implements Transport {
  readonly name = 'simulated';

  constructor(
    private readonly network: SimNetwork,
    readonly node: string,
  ) {}

  async start(host: TransportHost): Promise<void> {
    this.network.attach(host);
  }

  send(node: string, envelope: Envelope): void {
    this.network.send(this.node, node, envelope);
  }

  sendControl(node: string, envelope: Envelope): void {
    this.network.send(this.node, node, envelope, true);
  }

  nodes(): NodeInfo[] {
    return this.network.view(this.node);
  }

  async stop(): Promise<void> {
    this.network.down(this.node);
  }

  /**
   * The runtime asks this a moment after `nodeDown` (deferred through its dispatcher: at the end
   * of the fault's step under simulation); the drain was already done at the fault's step (see
   * {@link SimNetwork.drain}), so that when it happens is part of the schedule and not of the
   * wall clock. Nothing is left to take here.
   */
  async drainNode(_node: string): Promise<number> {
    return 0;
  }
}
