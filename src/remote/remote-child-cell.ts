/**
 * The owner's half of a child placed on another node. The supervisor sees an ordinary cell: it
 * starts, stops and restarts it by the usual rules, and its ref, path and mailbox live here, on
 * the supervisor's node. Each incarnation runs on a node chosen at start (the first candidate that
 * is up and hosts the kind); user messages queue in this cell's mailbox and are forwarded to the
 * running incarnation with a per-incarnation sequence number.
 *
 * Forwarded messages stay in an outstanding window here until the host reports them processed.
 * The host reports at once (within its turn) when the owner waits on the report: a receipt waits
 * (the transport acks a broker message on it), the window is half full, or the child is durable;
 * otherwise it may report a little later, with whatever it processed meanwhile (a request asked
 * by a local actor and answered by a reply needs no report of its own).
 * When the incarnation ends (crash, stop, or its node going down) whatever it had not processed
 * goes back to the front of the mailbox, in order, for the next incarnation: messages are kept
 * across restarts exactly as for a local child, and none are lost with a dead node. The window
 * also bounds how far the owner runs ahead of a slow host (backpressure).
 */
import { randomUUID } from 'node:crypto';
import type { NormalizedDurableOptions } from '../runtime/durable-options.js';
import { Cell, type CellInit, type Exit, type Shutdown, type TreeNode } from '../runtime/cell.js';
import { Deque } from '../runtime/deque.js';
import { ArborError } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import { LocalActorRef, type ActorRef } from '../runtime/ref.js';
import { assertWireSafe } from './wire-check.js';

/** What a remote child needs from the owner side of the protocol. */
export interface PlacementLink {
  /** The node for a new incarnation, or `undefined` when no candidate is up. */
  place(kind: string, candidates: readonly string[] | undefined): string | undefined;
  /** No candidate is up yet: place the cell when one comes up, or time it out with `NO_NODE`. */
  awaitPlacement(cell: RemoteChildCell): void;
  cancelPlacement(cell: RemoteChildCell): void;
  spawn(cell: RemoteChildCell, node: string): void;
  stop(cell: RemoteChildCell, shutdown: Shutdown): void;
  kill(cell: RemoteChildCell): void;
  /**
   * Sends a message to the running incarnation. `prompt`: its `processed` report is awaited (a
   * receipt waits on it, the window is half full, the child is durable) and is sent within the
   * host's turn; otherwise the host may report it later, with others (see `host-side.ts`).
   */
  forward(cell: RemoteChildCell, seq: number, event: ArborEvent, prompt: boolean): void;
  /** Tells the host that `seq` will never come (it could not be sent), so its reports pass over it. */
  skip(cell: RemoteChildCell, seq: number): void;
  released(cell: RemoteChildCell): void;
}

/** Forwarded but not yet reported processed. */
interface Outstanding {
  seq: number;
  event: ArborEvent;
}

/**
 * Forwarded messages one incarnation may have unprocessed at a time.
 * @default 1000
 */
export const DEFAULT_REMOTE_WINDOW = 1000;

/**
 * Where a remote child's incarnation numbers start: its creation time (ms, by the system clock)
 * times 1,000. A node restarted under the same name makes its cells again later, so their
 * numbers are above every number its earlier process used (unless a cell there restarted over
 * 1,000 times per ms of its life), and a host or owner never takes a stale exit, stop or
 * forward of the old process for the new one's. Exact in a double up to the year 2255.
 */
export function incarnationBase(now: number): number {
  return Math.max(0, Math.floor(now)) * 1000;
}

export class RemoteChildCell extends Cell {
  /** The node running the current incarnation (`undefined` while waiting for one). */
  placedOn: string | undefined;
  readonly input: unknown;
  /** Set when the child is durable: its host commits its state (issue 11). */
  readonly durable: NormalizedDurableOptions | undefined;
  private seq = 0;
  /** The prefix and count of the message ids this owner gives a durable child's messages. */
  private idPrefix: string | undefined;
  private stamped = 0;
  private readonly outstanding = new Deque<Outstanding>();
  private stopWaiter: (() => void) | undefined;
  /** The incarnation number before the first: a time-based base, unique across restarts. */
  private readonly base: number;

  constructor(
    init: CellInit,
    readonly kind: string,
    readonly candidates: readonly string[] | undefined,
    private readonly link: PlacementLink,
    private readonly window = DEFAULT_REMOTE_WINDOW,
  ) {
    super(init);
    this.input = init.input;
    this.durable = init.durable;
    this.incarnation = this.base = incarnationBase(this.system.clock.now());
  }

  protected override get firstIncarnation(): number {
    return this.base;
  }

  /** Its host journals the messages it accepts. */
  protected override get journaled(): boolean {
    return false;
  }

  protected createRef(): ActorRef {
    return new LocalActorRef(this);
  }

  getSnapshot(): unknown {
    return { status: this.status === 'running' ? 'active' : 'stopped', value: 'remote', node: this.placedOn, kind: this.kind };
  }

  override describe(): TreeNode {
    return this.describeCommon({ path: this.path, id: this.id, type: 'remote', status: this.status, node: this.placedOn ?? '', kind: this.kind });
  }

  /** Who sent each queued message, when an actor did: it travels with the forward, for the host's journal. */
  private readonly senders = new WeakMap<ArborEvent, string>();

  override tell(event: ArborEvent, from?: string): void {
    // On the sender's stack: an event that would change on the wire fails here, not on the host.
    assertWireSafe(event, this.path);
    const sender = from ?? this.system._sender;
    if (sender !== undefined) this.senders.set(event, sender);
    super.tell(event, from);
  }

  /**
   * A durable child's message gets a `messageId` (unless it has one) when first forwarded, and
   * keeps it when re-sent to a later incarnation (the window holds the stamped object): a host
   * that committed it before dying has its id, so the next incarnation drops the re-send.
   */
  private withMessageId(event: ArborEvent): ArborEvent {
    if (typeof event.messageId === 'string') return event;
    const stamped = { ...event, messageId: `${this.idPrefix ??= `${this.system.node}:${randomUUID().slice(0, 8)}:`}${++this.stamped}` };
    const sender = this.senders.get(event);
    if (sender !== undefined) this.senders.set(stamped, sender);
    return stamped;
  }

  override get dropsProcessedIds(): boolean {
    return this.durable !== undefined;
  }

  /** The actor that sent `event` here, if an actor did. */
  senderOf(event: ArborEvent): string | undefined {
    return this.senders.get(event);
  }

  /** Messages forwarded and not yet processed (for tests and status). */
  get inFlight(): number {
    return this.outstanding.size;
  }

  // --- incarnation -----------------------------------------------------------------------------

  protected startIncarnation(): void {
    this.incarnation++;
    this.seq = 0;
    this.requeue();
    this.status = 'running';
    const node = this.link.place(this.kind, this.candidates);
    this.placedOn = node;
    // No candidate is up (yet: a node that just started has not heard the others): messages wait
    // here until one comes up within the placement timeout.
    if (node === undefined) return this.link.awaitPlacement(this);
    this.link.spawn(this, node);
  }

  /** A node that can run the waiting incarnation came up. */
  placed(node: string): void {
    if (this.status !== 'running' || this.placedOn !== undefined) return;
    this.placedOn = node;
    this.link.spawn(this, node);
    this.wake();
  }

  /** No node came up in time: the incarnation fails to start, a crash with `NO_NODE`. */
  placementTimedOut(incarnation: number, timeout: number): void {
    if (incarnation !== this.incarnation || this.status !== 'running' || this.placedOn !== undefined) return;
    const error = new ArborError('NO_NODE', `no node that hosts kind "${this.kind}" came up within ${timeout} ms for ${this.path}`, {
      path: this.path,
      kind: this.kind,
      candidates: this.candidates ?? 'any',
      timeout,
    });
    this.remoteExited(incarnation, 0, { outcome: 'crash', error });
  }

  protected stopIncarnation(shutdown: Shutdown): Promise<void> {
    if (this.placedOn === undefined) {
      this.link.cancelPlacement(this);
      this.status = 'suspended';
      return Promise.resolve();
    }
    this.status = 'stopping';
    const stopped = new Promise<void>((resolve) => (this.stopWaiter = resolve));
    this.link.stop(this, shutdown);
    return stopped.then(() => {
      this.requeue();
      if (this.status === 'stopping') this.status = 'suspended';
    });
  }

  protected killIncarnation(): void {
    if (this.placedOn !== undefined) this.link.kill(this);
    else this.link.cancelPlacement(this);
    this.settleStop();
    this.requeue();
    this.status = 'suspended';
  }

  /** Deleted for good: a durable child's state goes, from the owner's store (shared by the nodes). */
  override discard(): void {
    if (this.durable) this.system.forgetState(this.path);
  }

  override retire(reason?: Error): void {
    if (this.status === 'running' || this.status === 'stopping') this.kill();
    this.requeue();
    super.retire(reason);
    this.link.released(this);
  }

  override hasWork(): boolean {
    return super.hasWork() && (this.mailbox.systemSize > 0 || this.status !== 'running' || (this.placedOn !== undefined && this.outstanding.size < this.window));
  }

  /** Forwards queued messages while the window has room. */
  protected override tracesProcessing(): boolean {
    return false;
  }

  protected processUser(budget: number): number {
    let n = 0;
    if (this.placedOn === undefined) return 0; // waiting for a node to place it on
    while (n < budget && this.outstanding.size < this.window) {
      const queued = this.mailbox.user.shift();
      if (queued === undefined) break;
      const event = this.durable ? this.withMessageId(queued) : queued;
      const seq = ++this.seq;
      this.outstanding.push({ seq, event });
      this.link.forward(this, seq, event, this.durable !== undefined || this.receiptsWaiting || this.outstanding.size * 2 >= this.window);
      n++;
    }
    return n;
  }

  // --- what the host reports -------------------------------------------------------------------

  /** The host processed every message up to `processed`. */
  onProcessed(incarnation: number, processed: number): void {
    if (incarnation !== this.incarnation) return;
    const before = this.outstanding.size;
    while ((this.outstanding.peek()?.seq ?? Infinity) <= processed) this.outstanding.shift();
    if (before > this.outstanding.size) this.settleReceipts();
    if (before >= this.window && this.outstanding.size < this.window) this.wake();
  }

  /** A forwarded message is settled once its host reported it processed, not when it leaves the mailbox. */
  protected override settledCount(): number {
    return super.settledCount() - this.outstanding.size;
  }

  /** The incarnation ended by itself on its host (or could not start there). */
  remoteExited(incarnation: number, processed: number, exit: Exit): void {
    if (incarnation !== this.incarnation) return;
    this.onProcessed(incarnation, processed);
    if (this.status === 'stopping') return this.settleStop();
    if (this.status !== 'running') return;
    this.requeue();
    this.placedOn = undefined;
    this.link.cancelPlacement(this);
    this.exited(exit);
  }

  /** The host finished a stop we asked for. */
  remoteStopped(incarnation: number, processed: number): void {
    if (incarnation !== this.incarnation) return;
    this.onProcessed(incarnation, processed);
    this.settleStop();
  }

  /**
   * A forward could not be sent. A message that can never travel (too large, not encodable) is
   * dead-lettered with the reason and the rest carry on (the host is told to skip its sequence
   * number). Any other failure means this incarnation cannot be reached: it counts as a crash
   * with that error, and its supervisor restarts it by the usual rules.
   */
  forwardFailed(incarnation: number, seq: number, error: ArborError): void {
    if (incarnation !== this.incarnation) return;
    if (error.code === 'MESSAGE_TOO_LARGE' || error.code === 'ENCODE_ERROR') {
      for (const o of this.outstanding.drain()) {
        if (o.seq === seq) this.system.deadLetter(this.path, o.event, error);
        else this.outstanding.push(o);
      }
      this.link.skip(this, seq);
      return;
    }
    this.remoteExited(incarnation, 0, { outcome: 'crash', error });
  }

  /** The node running this incarnation went down: a crash with `NODE_DOWN`. */
  hostDown(node: string): void {
    if (this.placedOn !== node) return;
    if (this.status === 'stopping') {
      this.settleStop();
      return;
    }
    if (this.status !== 'running') return;
    const error = new ArborError('NODE_DOWN', `node "${node}" running ${this.path} went down`, { path: this.path, node });
    this.remoteExited(this.incarnation, 0, { outcome: 'crash', error });
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** Puts unprocessed forwarded messages back at the front of the mailbox, oldest first. */
  private requeue(): void {
    const all = this.outstanding.drain();
    for (let i = all.length - 1; i >= 0; i--) this.mailbox.unshiftUser((all[i] as Outstanding).event);
  }

  private settleStop(): void {
    const waiter = this.stopWaiter;
    this.stopWaiter = undefined;
    waiter?.();
  }
}
