/**
 * The host side of remote placement: a node running children for supervisors on other nodes
 * (their owners). It starts an incarnation on `spawn` from the logic it hosts for the kind,
 * feeds it the owner's forwards (each sequence number once, see {@link SequenceLedger}), reports
 * progress back and the incarnation's end (`exit`, `stopped`), and ends what it runs for an owner
 * that went down.
 *
 * Progress (`processed`) is reported once per turn of the event loop while the owner waits on it
 * (a forward without the {@link LAZY_REPORT_HEADER}: a receipt waits, its window is half full, the
 * child is durable), and otherwise within {@link LAZY_REPORT_MS}, one report for all that was
 * processed meanwhile. A request asked by an actor on the owner's node and answered by a reply
 * then costs no report of its own (issue 20: in a fan-out of four, one persistent message, one
 * delivery and one ack on the owner, per worker and request). An incarnation's `exit` and
 * `stopped` carry its count whatever was reported; a host that dies leaves the owner to re-send
 * what it had not heard of as processed (at least once, as before, over a slightly longer span).
 */
import type { ActorSystem } from '../runtime/actor-system.js';
import type { Cell, CellParent, Shutdown, TreeNode } from '../runtime/cell.js';
import { ArborError, toError } from '../runtime/errors.js';
import { normalizeMailboxOptions } from '../runtime/mailbox.js';
import { nodeOfPath } from '../runtime/paths.js';
import type { DeliveryResult, Envelope } from '../runtime/transport.js';
import type { ProtocolOp, WireExit } from './protocol.js';
import type { ArborEvent } from '../runtime/event.js';
import { LAZY_REPORT_HEADER, PRIORITY_HEADER, type Router } from './router.js';
import { SequenceLedger } from './sequence-ledger.js';
import { toWireError } from './wire-error.js';
import { encodeRefs } from './wire-refs.js';

/** How long a host shutting down waits for each owner to confirm it took the exits (ms). */
const OWNER_CONFIRM_TIMEOUT = 2000;

/** How soon a host looks again for progress to report while an incarnation still has messages (ms). */
const BUSY_RECHECK_MS = 2;

/** How long a host may hold a `processed` report its owner does not wait on (ms). */
export const LAZY_REPORT_MS = 20;

/** An incarnation this node runs for an owner elsewhere. */
interface Hosted {
  path: string;
  owner: string;
  inc: number;
  cell: Cell;
  ledger: SequenceLedger;
  gone: boolean;
  /** A forward whose owner waits on its report came, and is not reported yet. */
  prompt: boolean;
}

export class HostSide {
  private readonly hosted = new Map<string, Hosted>();
  private readonly dirty = new Set<Hosted>();
  private flushScheduled = false;
  private lazyScheduled = false;
  private readonly flushBound = (): void => {
    this.flushScheduled = false;
    this.flush(false);
  };
  private readonly lazyBound = (): void => {
    this.lazyScheduled = false;
    this.flush(true);
  };
  /** Events that came straight from their sender (not forwarded by the owner, which does not hold them). */
  private readonly directEvents = new WeakSet<object>();
  /** Set by {@link HostSide.shutdown}: spawns are refused. */
  private closing = false;
  private readonly system: ActorSystem;

  constructor(private readonly router: Router) {
    this.system = router.system;
  }

  private get node(): string {
    return this.router.node;
  }

  /** The cell of an incarnation hosted here for another node, if any. */
  cellAt(path: string): Cell | undefined {
    return this.hosted.get(path)?.cell;
  }

  /** What runs here for other nodes, for `describe()`. */
  describe(): TreeNode[] {
    return [...this.hosted.values()].map((h) => h.cell.describe());
  }

  /** A message an owner forwarded to an incarnation hosted here. */
  forwarded(envelope: Envelope): DeliveryResult {
    const h = this.hosted.get(envelope.to);
    const seq = envelope.seq ?? 0;
    if (!h || h.inc !== envelope.inc || h.gone) {
      // An older incarnation's message (or one for a path not hosted here): dead-lettered with the
      // reason, so no drop goes unrecorded; not lost, since its owner kept it in its window and
      // gives it to the next incarnation.
      const why = h ? `incarnation ${String(envelope.inc)} of ${envelope.to} is not running here (now ${h.gone ? 'none' : h.inc})` : `${envelope.to} is not hosted on node "${this.node}"`;
      this.system.logger.debug({ actor: envelope.to, inc: envelope.inc, seq }, 'stale forward dead-lettered; the owner re-sends it');
      return { ok: false, retry: false, error: new ArborError('NOT_FOUND', `stale forward: ${why}; its owner re-sends it to the current incarnation`, { path: envelope.to, inc: envelope.inc, seq, stale: true }) };
    }
    if (!h.ledger.accept(seq)) return { ok: true }; // a duplicate
    h.cell.tell(this.router.reviveEvent(envelope), envelope.from);
    this.markDirty(h, envelope.headers?.[LAZY_REPORT_HEADER] === undefined);
    return { ok: true };
  }

  /**
   * A message sent straight here by a node its owner gave the route, or `undefined` when no
   * incarnation of that path runs here (any more): the router then passes it on to the owner.
   * Acked only once processed and once what its processing sent is confirmed: a host that dies
   * with it queued, or between processing it and the broker taking its output, leaves it on the
   * broker (its queue is drained to the owner, which gives it to the next incarnation: at least
   * once). No owner answers for it meanwhile, as the owner's window does for a forwarded message,
   * whose `processed` report leaves after the output on the same channel. What the incarnation
   * leaves unprocessed goes back to the owner.
   */
  direct(envelope: Envelope): DeliveryResult | undefined {
    const h = this.hosted.get(envelope.to);
    if (!h || h.gone) return undefined;
    const refused = this.system.schemas?.check(envelope.body as ArborEvent);
    if (refused) return { ok: false, retry: false, error: refused };
    const event = this.router.reviveEvent(envelope);
    this.directEvents.add(event);
    h.cell.tell(event, envelope.from, envelope.headers?.[PRIORITY_HEADER] === 'urgent');
    const processed = h.cell.receipt();
    const transport = this.system.transport;
    return { ok: true, done: transport.confirmed ? processed.then(() => transport.confirmed?.()) : processed };
  }

  /** Messages an incarnation leaves queued: the owner holds the forwarded ones; the direct ones go back to it. */
  private handBack(h: Hosted, queued: readonly ArborEvent[]): void {
    for (const event of queued) if (this.directEvents.has(event)) this.router.sendUser(h.owner, h.path, event);
  }

  spawn(message: ProtocolOp<'spawn'>): void {
    if (this.closing) {
      // reliab (issue 10 point 3): nothing new starts on a node that is shutting down.
      const error = new ArborError('SYSTEM_SHUTDOWN', `node "${this.node}" is shutting down`, { path: message.path, node: this.node });
      this.router.sendProtocol(message.from, { op: 'exit', from: this.node, path: message.path, inc: message.inc, processed: 0, exit: { normal: false, error: toWireError(error) } });
      return;
    }
    const existing = this.hosted.get(message.path);
    if (existing) {
      if (existing.inc >= message.inc) return; // a duplicate spawn
      this.remove(existing, true);
    }
    const fail = (error: Error): void =>
      this.router.sendProtocol(message.from, { op: 'exit', from: this.node, path: message.path, inc: message.inc, processed: 0, exit: { normal: false, error: toWireError(error) } });
    const logic = Object.prototype.hasOwnProperty.call(this.system.kinds, message.kind) ? this.system.kinds[message.kind] : undefined;
    if (logic === undefined) {
      fail(new ArborError('NOT_FOUND', `node "${this.node}" does not host kind "${message.kind}"`, { node: this.node, kind: message.kind }));
      return;
    }
    const parent: CellParent = {
      path: message.path.slice(0, message.path.lastIndexOf('/')),
      childExited: (child, _incarnation, exit) => {
        const h = this.hosted.get(message.path);
        if (!h || h.gone || h.cell !== child) return;
        this.settle(h);
        const wire: WireExit = exit.outcome === 'normal' ? { normal: true, output: encodeRefs(exit.output) } : { normal: false, error: toWireError(exit.error) };
        this.router.sendProtocol(h.owner, { op: 'exit', from: this.node, path: h.path, inc: h.inc, processed: h.ledger.processed, exit: wire });
        queueMicrotask(() => this.remove(h, false));
      },
    };
    let cell: Cell;
    try {
      const id = message.path.slice(message.path.lastIndexOf('/') + 1);
      cell = this.system.createCell(
        // durable (issue 11): the host runs the child as a durable cell.
        { path: message.path, id, parent, logic, input: this.router.revive(message.input), mailbox: normalizeMailboxOptions(undefined, this.system.mailboxDefaults), durable: message.durable },
        'kind',
        false,
      );
    } catch (err) {
      fail(toError(err));
      return;
    }
    cell.shutdown = message.shutdown;
    this.hosted.set(message.path, { path: message.path, owner: message.from, inc: message.inc, cell, ledger: new SequenceLedger(), gone: false, prompt: false });
    this.system.logger.info({ actor: message.path, owner: message.from, kind: message.kind, inc: message.inc }, 'hosting remote child');
    cell.start();
  }

  stop(path: string, inc: number, shutdown: Shutdown): void {
    const h = this.hosted.get(path);
    if (!h || h.inc !== inc || h.gone) {
      const owner = h?.owner ?? nodeOfPath(path);
      if (owner !== undefined) this.router.sendProtocol(owner, { op: 'stopped', from: this.node, path, inc, processed: 0 });
      return;
    }
    void h.cell.stop(shutdown).then(() => {
      if (h.gone) return;
      this.settle(h);
      this.router.sendProtocol(h.owner, { op: 'stopped', from: this.node, path, inc, processed: h.ledger.processed });
      this.remove(h, false);
    });
  }

  kill(path: string, inc: number): void {
    const h = this.hosted.get(path);
    if (h && h.inc === inc) this.remove(h, true);
  }

  /**
   * A `processed` report could not be sent (not confirmed within `sendTimeout`, say): reported
   * again with the next flush. Reports are sent only on progress, so a lost one would leave the
   * owner's window (and the acks it holds) waiting for good once the incarnation went idle. An
   * owner that is gone (`UNROUTABLE`: its queues deleted) is not reported to again.
   */
  reportUndelivered(message: ProtocolOp<'processed'>, error: ArborError): void {
    const h = this.hosted.get(message.path);
    if (error.code === 'UNROUTABLE' || !h || h.gone || h.inc !== message.inc) return;
    this.system.logger.warn({ actor: h.path, inc: h.inc, processed: message.processed, code: error.code }, 'progress report not sent: reported again');
    h.ledger.reported = Math.min(h.ledger.reported, message.processed - 1);
    this.markDirty(h);
  }

  skip(message: ProtocolOp<'skip'>): void {
    const h = this.hosted.get(message.path);
    if (!h || h.inc !== message.inc || h.gone || !h.ledger.skip(message.seq)) return;
    this.markDirty(h);
  }

  /**
   * The owner `node` went down: incarnations run for it die with it, as linked processes would.
   * The owner is told all the same: a node whose event loop stalled past 3 heartbeats looks down
   * but is not, and a live owner that never heard of this would forward into the void for ever
   * (its window full, nothing re-sent). Told, it restarts the child by its supervisor's rules and
   * re-sends what was not processed; to an owner that really died the message goes nowhere.
   */
  ownerDown(node: string, error: ArborError): void {
    for (const h of [...this.hosted.values()]) {
      if (h.owner !== node) continue;
      this.settle(h);
      const lost = new ArborError('NODE_DOWN', `node "${this.node}" running ${h.path} lost its owner "${node}"`, { path: h.path, node: this.node, owner: node });
      this.router.sendProtocol(node, { op: 'exit', from: this.node, path: h.path, inc: h.inc, processed: h.ledger.processed, exit: { normal: false, error: toWireError(lost) } });
      this.remove(h, true, error);
    }
  }

  // --- reliab (issue 10 point 3): a graceful stop drains what it accepted and reports ----------

  /**
   * Stops hosting at shutdown (SIGTERM). Each hosted incarnation first processes what its mailbox
   * had accepted, bounded by its `shutdown` time (none under `brutal_kill`); then it is stopped
   * and its owner gets an `exit` (`SYSTEM_SHUTDOWN`) with the last processed count, so the owner
   * re-sends only what was not processed, to another node (it no longer places children here).
   * Messages still queued are dropped here, not dead-lettered: the owner holds them. Last, each owner is asked a
   * request on the same queue as the exits and answers after taking them, so they are not
   * overtaken by this node's goodbye (which would count as `NODE_DOWN` and re-send everything).
   */
  async shutdown(confirm: (owner: string, timeout: number) => Promise<unknown>): Promise<void> {
    this.closing = true;
    const hosted = [...this.hosted.values()];
    await Promise.all(hosted.map((h) => this.finishAccepted(h)));
    const owners = new Set<string>();
    for (const h of hosted) {
      if (h.gone) continue;
      await h.cell.stop(h.cell.shutdown);
      if (h.gone) continue;
      this.settle(h);
      const error = new ArborError('SYSTEM_SHUTDOWN', `node "${this.node}" running ${h.path} shut down`, { path: h.path, node: this.node });
      this.router.sendProtocol(h.owner, { op: 'exit', from: this.node, path: h.path, inc: h.inc, processed: h.ledger.processed, exit: { normal: false, error: toWireError(error) } });
      owners.add(h.owner);
      this.handBack(h, h.cell.takeQueued()); // the owner holds the forwarded ones
      this.remove(h, false, error);
    }
    await Promise.all([...owners].map((owner) => confirm(owner, OWNER_CONFIRM_TIMEOUT).catch(() => undefined)));
  }

  /** Resolves once `h` processed every message queued now, or its `shutdown` time has passed. */
  private finishAccepted(h: Hosted): Promise<void> {
    const { cell } = h;
    if (cell.shutdown === 'brutal_kill' || cell.status !== 'running') return Promise.resolve();
    const done = cell.allSettled();
    if (cell.shutdown === 'infinity') return done;
    const clock = this.system.clock;
    const bound = cell.shutdown;
    return new Promise<void>((resolve) => {
      const timer = clock.setTimeout(resolve, bound);
      void done.then(() => {
        clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  // --- end reliab

  /** Ends a hosted incarnation here. Its queued messages are dropped (the owner holds the forwarded ones) or handed back to the owner (the direct ones). */
  private remove(h: Hosted, kill: boolean, reason?: Error): void {
    if (h.gone) return;
    h.gone = true;
    if (this.hosted.get(h.path) === h) this.hosted.delete(h.path);
    this.dirty.delete(h);
    if (kill) h.cell.kill();
    // Their receipts settle once handed back; the acks wait for the hand-back's confirms (see direct()).
    if (!reason) this.handBack(h, h.cell.takeQueued());
    h.cell.retire(reason);
  }

  private settle(h: Hosted): void {
    // durable (issue 11): a message whose commit is in flight is not processed yet (Cell.unfinished).
    h.ledger.settle(h.cell.mailbox.user.size + h.cell.unfinished);
  }

  /** `h` took something to report: within this turn when `prompt`, else within {@link LAZY_REPORT_MS}. */
  private markDirty(h: Hosted, prompt = true): void {
    this.dirty.add(h);
    if (!prompt) return this.scheduleLazy();
    h.prompt = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.system.dispatcher.afterTurn(this.flushBound);
  }

  private scheduleLazy(): void {
    if (this.lazyScheduled) return;
    this.lazyScheduled = true;
    // Through the dispatcher: a simulated run leaves no wall-clock timer here (it runs at the step's end).
    this.system.dispatcher.later(this.lazyBound, LAZY_REPORT_MS);
  }

  /**
   * Reports the progress of the hosted incarnations that processed something since their last
   * report: those whose owner waits on it, or (`all`, when the lazy wait is over) every one.
   */
  private flush(all: boolean): void {
    let waiting = false;
    let lazy = false;
    for (const h of this.dirty) {
      this.settle(h);
      const ledger = h.ledger;
      if ((all || h.prompt) && ledger.processed > ledger.reported) {
        ledger.reported = ledger.processed;
        this.router.sendProtocol(h.owner, { op: 'processed', from: this.node, path: h.path, inc: h.inc, processed: ledger.processed });
      }
      if (ledger.pending === 0) h.prompt = false;
      if (ledger.pending === 0 && ledger.processed === ledger.reported) this.dirty.delete(h);
      else if (h.prompt) waiting = true;
      else lazy = true;
    }
    if (lazy) this.scheduleLazy();
    if (waiting && !this.flushScheduled) {
      this.flushScheduled = true;
      // Still busy: look again soon, without spinning while an actor waits on something slow.
      // Through the dispatcher, so that a simulated run leaves no wall-clock timer re-arming here.
      this.system.dispatcher.later(this.flushBound, BUSY_RECHECK_MS);
    }
  }
}
