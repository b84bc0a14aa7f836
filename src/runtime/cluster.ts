/**
 * Location transparency: how one node's runtime talks to the others through its transport.
 *
 * Routing is by path. A path's host part names the node that owns that place in the tree (the
 * node of the supervisor that placed it), so any node can route to any path: it sends to the
 * owner, and the owner delivers locally or forwards to the node running the actor. Concretely:
 *
 * - **User messages** to a path owned elsewhere go to the owner. On the owner, a remote child's
 *   cell (`RemoteChildCell`) queues them and forwards them to its current incarnation with
 *   `inc`/`seq`; a path below a remote child (a hosted subtree) is forwarded to that child's host.
 * - **System messages** (`to: arbor://<node>/$sys`) carry the placement protocol between an owner
 *   and a host: `spawn`, `stop`, `kill` (owner → host) and `exit`, `stopped`, `processed`
 *   (host → owner), plus `ask_fail`, `request` / `reply` (results and `describe` across nodes).
 *   Each names the child's path and incarnation, so a stale one is recognised and ignored.
 * - **Refs in events** travel as `{ $ref: path }` and come back as `RemoteActorRef`s.
 *
 * A host keeps, per hosted incarnation, the sequence numbers it accepted in mailbox order and
 * reports back (batched, once per turn of the event loop) the highest one below which *every*
 * sequence number was processed, so the owner can release its outstanding window; everything
 * unprocessed when an incarnation ends is re-queued by the owner for the next one. Forwards can
 * arrive out of order (a publish retried after a lost connection overtakes later ones), so a
 * number below the highest seen is not taken for a duplicate: it is accepted late, and the report
 * waits for it. A number the owner could never send (`MESSAGE_TOO_LARGE`) it gives up with `skip`.
 */
import { randomUUID } from 'node:crypto';
import { failAsk } from './ask.js';
import type { Cell, CellParent, Exit, Shutdown, TreeNode } from './cell.js';
import { Deque } from './deque.js';
import { ArborError, toError, type ErrorCode } from './errors.js';
import { correlationOf, type ArborEvent } from './event.js';
import { normalizeMailboxOptions } from './mailbox.js';
import { nodeOfPath, SCHEME, TOPIC_TARGET } from './paths.js';
import type { ActorRef } from './ref.js';
import { RemoteChildCell, type RemoteChildHost } from './remote-cell.js';
import { encodeRefs, RemoteActorRef, reviveRefs, type RemoteRouter } from './remote-ref.js';
import type { ActorSystem } from './system.js';
import type { DeliveryResult, Envelope, NodeInfo } from './transport.js';

/** An error as it crosses the wire. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

type WireExit = { normal: true; output: unknown } | { normal: false; error: WireError };

/** The system messages between nodes (the `body` of a `kind: 'system'` envelope). */
export type SystemOp =
  | { op: 'spawn'; from: string; path: string; kind: string; input: unknown; inc: number; shutdown: Shutdown }
  | { op: 'stop'; from: string; path: string; inc: number; shutdown: Shutdown }
  | { op: 'kill'; from: string; path: string; inc: number }
  | { op: 'exit'; from: string; path: string; inc: number; processed: number; exit: WireExit }
  | { op: 'stopped'; from: string; path: string; inc: number; processed: number }
  | { op: 'processed'; from: string; path: string; inc: number; processed: number }
  | { op: 'skip'; from: string; path: string; inc: number; seq: number }
  | { op: 'ask_fail'; from: string; path: string; error: WireError }
  | { op: 'request'; from: string; req: number; what: 'result' | 'describe'; path?: string }
  | { op: 'reply'; from: string; req: number; ok: boolean; value?: unknown; error?: WireError };

/** One node's tree, as `describe()` returns it. */
export interface NodeTree {
  node: string;
  /** The root actors spawned on this node, with their subtrees. */
  roots: TreeNode[];
  /** Actors this node runs for supervisors on other nodes. */
  hosted: TreeNode[];
}

/** What `clusterStatus()` returns. */
export interface ClusterStatus {
  nodes: NodeInfo[];
  trees: NodeTree[];
  /** Nodes that were up but did not answer in time. */
  unreachable: string[];
}

/** An incarnation this node runs for an owner elsewhere. */
interface Hosted {
  path: string;
  owner: string;
  inc: number;
  cell: Cell;
  /** Sequence numbers accepted into the mailbox and not yet processed, oldest first. */
  accepted: Deque<number>;
  /** Accepted above `processed` (processed or not): a repeat of one is a duplicate. */
  taken: Set<number>;
  /** Processed (or skipped) above `processed`, waiting for a gap below them to fill. */
  done: Set<number>;
  /** Every sequence number up to this one was processed: what the owner may release. */
  processed: number;
  reported: number;
  gone: boolean;
}

interface PendingRequest {
  node: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

export const SYS_TARGET = '$sys';

/** Serialises an error for the wire (details are kept when they are plain data). */
export function toWireError(err: unknown): WireError {
  const e = toError(err);
  const w: WireError = { name: e.name, message: e.message };
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') w.code = code;
  const details = (e as { details?: unknown }).details;
  if (details && typeof details === 'object') {
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(details)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) plain[k] = v;
    w.details = plain;
  }
  return w;
}

/** Rebuilds an error from the wire; `node` is where it happened. */
export function fromWireError(w: WireError | undefined, node: string): Error {
  if (!w || typeof w !== 'object') return new ArborError('TRANSPORT_ERROR', `malformed error from node "${node}"`, { node });
  if (typeof w.code === 'string') {
    const err = new ArborError(w.code as ErrorCode, w.message, { ...w.details, node });
    if (w.name && w.name !== 'ArborError') err.name = w.name;
    return err;
  }
  const err = new Error(w.message);
  err.name = w.name || 'Error';
  (err as Error & { node?: string }).node = node;
  return err;
}

export class Cluster implements RemoteRouter, RemoteChildHost {
  private readonly hosted = new Map<string, Hosted>();
  private readonly proxies = new Set<RemoteChildCell>();
  /** Remote children waiting for a node to place them on, with their timeout timers. */
  private readonly waiting = new Map<RemoteChildCell, unknown>();
  private readonly requests = new Map<number, PendingRequest>();
  private readonly dirty = new Set<Hosted>();
  private flushScheduled = false;
  private readonly idPrefix = randomUUID().slice(0, 8);
  private idSeq = 0;
  private reqSeq = 0;

  constructor(private readonly system: ActorSystem) {}

  private get node(): string {
    return this.system.node;
  }

  newId(): string {
    return `${this.node}.${this.idPrefix}.${(++this.idSeq).toString(36)}`;
  }

  // --- refs and routing --------------------------------------------------------------------------

  /** The ref for `path` as seen from this node. */
  refFor(path: string): ActorRef {
    return this.system._cellAt(path)?.ref ?? this.system._pendingAsk(path) ?? new RemoteActorRef(path, this);
  }

  /** Sends a user event to `path`, wherever it runs. */
  route(path: string, event: ArborEvent): void {
    const cell = this.system._cellAt(path);
    if (cell) return cell.tell(event);
    const owner = nodeOfPath(path);
    if (owner !== undefined && owner !== this.node) return this.sendUser(owner, path, event);
    const result = this.deliverLocal(path, event, undefined);
    if (!result.ok) this.system.deadLetter(path, event, result.error);
  }

  ask<T>(target: ActorRef, event: ArborEvent, options?: { timeout?: number }): Promise<T> {
    return this.system.ask<T>(target, event, options);
  }

  /** Asks the owner of `path` for the actor's result (resolves or rejects as `result()` would). */
  remoteResult(path: string): Promise<unknown> {
    const owner = nodeOfPath(path);
    if (owner === undefined) return Promise.reject(new ArborError('NOT_FOUND', `not an actor path: ${path}`, { path }));
    if (owner === this.node) {
      const cell = this.system._cellAt(path);
      return cell ? cell.result.promise() : Promise.reject(new ArborError('NOT_FOUND', `no actor at ${path}`, { path }));
    }
    return this.request(owner, { what: 'result', path }, undefined);
  }

  /**
   * The envelope of a user event for `to`: a fresh id, refs in wire form, the event's correlation
   * id, and `from` when given (the sending actor, or the publishing node for a topic event).
   */
  userEnvelope(to: string, event: ArborEvent, from: string | undefined): Envelope {
    const envelope: Envelope = { id: this.newId(), to, kind: 'user', body: encodeRefs(event), sentAt: this.system.clock.now() };
    const correlationId = correlationOf(event);
    if (correlationId !== undefined) envelope.correlationId = correlationId;
    if (from !== undefined) envelope.from = from;
    return envelope;
  }

  private sendUser(node: string, path: string, event: ArborEvent): void {
    this.send(node, this.userEnvelope(path, event, this.system._sender));
  }

  private sendSys(node: string, op: SystemOp): void {
    this.send(node, { id: this.newId(), to: `${SCHEME}${node}/${SYS_TARGET}`, kind: 'system', body: op, sentAt: this.system.clock.now() });
  }

  /** To this node without the transport (never on the caller's stack); to others through it. */
  private send(node: string, envelope: Envelope): void {
    if (node !== this.node) return this.system.transport.send(node, envelope);
    queueMicrotask(() => {
      const result = this.deliver(envelope);
      // A stale forward to itself: this node is the owner that re-sends it; nothing to record.
      if (!result.ok && result.error.details.stale !== true) this.undeliverable(envelope, result.error);
    });
  }

  // --- inbound -----------------------------------------------------------------------------------

  /** An envelope from the transport (or from this node to itself). */
  deliver(envelope: Envelope): DeliveryResult {
    if (envelope.kind === 'system') return this.onSystem(envelope);
    if (envelope.inc !== undefined) return this.onForward(envelope);
    const event = reviveRefs(envelope.body, (p) => this.refFor(p)) as ArborEvent;
    return this.deliverLocal(envelope.to, event, envelope);
  }

  /**
   * A user event for `path` arriving here: a local actor, a pending ask, a path below a remote
   * child (forwarded to its host), or — for a path another node owns, e.g. drained from a dead
   * node's queue — passed on to that owner.
   */
  private deliverLocal(path: string, event: ArborEvent, envelope: Envelope | undefined): DeliveryResult {
    const cell = this.system._cellAt(path);
    if (cell) {
      cell.tell(event, envelope?.from);
      return { ok: true };
    }
    const owner = nodeOfPath(path);
    if (owner !== undefined && owner !== this.node) {
      if (!this.isUp(owner)) {
        const error = new ArborError('NODE_DOWN', `node "${owner}" that owns ${path} is down`, { path, node: owner });
        if (envelope) this.remoteAskFailed(event, error);
        return { ok: false, retry: false, error };
      }
      if (envelope) this.system.transport.send(owner, envelope);
      else this.sendUser(owner, path, event);
      return { ok: true };
    }
    const ask = this.system._pendingAsk(path);
    if (ask) {
      ask.send(event);
      return { ok: true };
    }
    const proxy = this.proxyAbove(path);
    if (proxy) {
      if (proxy.host === undefined || proxy.status !== 'running') {
        return { ok: false, retry: true, error: new ArborError('NOT_FOUND', `${proxy.path}, above ${path}, is restarting`, { path }) };
      }
      this.sendUser(proxy.host, path, event);
      return { ok: true };
    }
    const error = new ArborError('NOT_FOUND', `no actor at ${path}`, { path });
    // Dead-lettered by the transport on this node: an ask waiting on another node fails now.
    if (envelope) this.remoteAskFailed(event, error);
    return { ok: false, retry: false, error };
  }

  /** The remote child whose subtree holds `path`, if any. */
  proxyAbove(path: string): RemoteChildCell | undefined {
    for (let i = path.lastIndexOf('/'); i > SCHEME.length; i = path.lastIndexOf('/', i - 1)) {
      const cell = this.system._cellAt(path.slice(0, i));
      if (cell) return cell instanceof RemoteChildCell ? cell : undefined;
    }
    return undefined;
  }

  /** A message an owner forwarded to an incarnation hosted here. */
  private onForward(envelope: Envelope): DeliveryResult {
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
    if (seq <= h.processed || h.taken.has(seq)) return { ok: true }; // a duplicate
    h.taken.add(seq);
    h.accepted.push(seq);
    h.cell.tell(reviveRefs(envelope.body, (p) => this.refFor(p)) as ArborEvent, envelope.from);
    this.markDirty(h);
    return { ok: true };
  }

  private onSystem(envelope: Envelope): DeliveryResult {
    const target = nodeOfPath(envelope.to);
    if (target !== this.node) {
      // Drained from a dead node's queue: its owner handles that node's death itself. Recorded as
      // a dead letter with the reason, as every envelope not taken is.
      const op = (envelope.body as { op?: unknown } | null)?.op;
      this.system.logger.info({ to: envelope.to, op }, 'system message for another node dead-lettered');
      return { ok: false, retry: false, error: new ArborError('NOT_FOUND', `system message "${String(op)}" for ${envelope.to} reached node "${this.node}" (drained from a dead node's queue; that node's death is handled by its owners)`, { path: envelope.to, op }) };
    }
    const op = envelope.body as SystemOp;
    if (typeof op !== 'object' || op === null || typeof op.op !== 'string' || typeof op.from !== 'string') {
      return { ok: false, retry: false, error: new ArborError('DECODE_ERROR', 'malformed system message', { to: envelope.to }) };
    }
    switch (op.op) {
      case 'spawn':
        this.spawnHosted(op);
        break;
      case 'stop':
        this.stopHosted(op.path, op.inc, op.shutdown);
        break;
      case 'kill':
        this.killHosted(op.path, op.inc);
        break;
      case 'exit': {
        const exit: Exit = op.exit.normal
          ? { kind: 'normal', output: reviveRefs(op.exit.output, (p) => this.refFor(p)) }
          : { kind: 'crash', error: fromWireError(op.exit.error, op.from) };
        this.proxyAt(op.path)?.remoteExited(op.inc, op.processed, exit);
        break;
      }
      case 'stopped':
        this.proxyAt(op.path)?.remoteStopped(op.inc, op.processed);
        break;
      case 'processed':
        this.proxyAt(op.path)?.onProcessed(op.inc, op.processed);
        break;
      case 'skip': {
        const h = this.hosted.get(op.path);
        if (!h || h.inc !== op.inc || h.gone || op.seq <= h.processed || h.taken.has(op.seq)) break;
        h.taken.add(op.seq);
        this.markDone(h, op.seq);
        this.markDirty(h);
        break;
      }
      case 'ask_fail': {
        const ask = this.system._pendingAsk(op.path);
        if (ask) failAsk({ replyTo: ask }, fromWireError(op.error, op.from));
        break;
      }
      case 'request':
        this.answer(op);
        break;
      case 'reply': {
        const pending = this.requests.get(op.req);
        if (!pending) break;
        this.requests.delete(op.req);
        this.system.clock.clearTimeout(pending.timer);
        if (op.ok) pending.resolve(reviveRefs(op.value, (p) => this.refFor(p)));
        else pending.reject(fromWireError(op.error, op.from));
        break;
      }
      default:
        return { ok: false, retry: false, error: new ArborError('DECODE_ERROR', `unknown system message "${String((op as { op: unknown }).op)}"`, { to: envelope.to }) };
    }
    return { ok: true };
  }

  private proxyAt(path: string): RemoteChildCell | undefined {
    const cell = this.system._cellAt(path);
    return cell instanceof RemoteChildCell ? cell : undefined;
  }

  // --- the owner side ------------------------------------------------------------------------

  /** Makes the owner's cell for a child of `kind` placed on `candidates` (any host when undefined). */
  createRemoteChild(init: ConstructorParameters<typeof RemoteChildCell>[0], kind: string, candidates: readonly string[] | undefined): RemoteChildCell {
    const cell = new RemoteChildCell(init, kind, candidates, this);
    this.proxies.add(cell);
    return cell;
  }

  place(kind: string, candidates: readonly string[] | undefined): string | undefined {
    const up = new Map(this.system.transport.nodes().map((n) => [n.node, n]));
    const hosts = (node: string): boolean => (node === this.node ? kind in this.system.kinds : (up.get(node)?.kinds.includes(kind) ?? false));
    if (candidates) return candidates.find(hosts);
    // Any host: the one running fewest of this node's remote children, to spread the load.
    const load = new Map<string, number>();
    for (const p of this.proxies) if (p.host !== undefined) load.set(p.host, (load.get(p.host) ?? 0) + 1);
    const eligible = [...up.keys()].filter(hosts).sort();
    let best: string | undefined;
    for (const n of eligible) if (best === undefined || (load.get(n) ?? 0) < (load.get(best) ?? 0)) best = n;
    return best;
  }

  awaitPlacement(cell: RemoteChildCell): void {
    this.cancelPlacement(cell);
    const incarnation = cell.incarnation;
    const timeout = this.system.placementTimeout;
    this.waiting.set(
      cell,
      this.system.clock.setTimeout(() => {
        this.waiting.delete(cell);
        cell.placementTimedOut(incarnation, timeout);
      }, timeout),
    );
    this.system.logger.info({ actor: cell.path, kind: cell.kind, candidates: cell.candidates, timeout }, 'waiting for a node that hosts the kind');
  }

  cancelPlacement(cell: RemoteChildCell): void {
    if (!this.waiting.has(cell)) return;
    this.system.clock.clearTimeout(this.waiting.get(cell));
    this.waiting.delete(cell);
  }

  /** A node came up: children waiting for a host may now be placed. */
  nodeUp(info: NodeInfo): void {
    this.system.logger.debug({ peer: info.node, kinds: info.kinds }, 'node up');
    for (const cell of [...this.waiting.keys()]) {
      const host = this.place(cell.kind, cell.candidates);
      if (host === undefined) continue;
      this.cancelPlacement(cell);
      cell.placed(host);
    }
  }

  spawn(cell: RemoteChildCell, host: string): void {
    this.sendSys(host, { op: 'spawn', from: this.node, path: cell.path, kind: cell.kind, input: encodeRefs(cell.input), inc: cell.incarnation, shutdown: cell.shutdown });
  }

  stop(cell: RemoteChildCell, shutdown: Shutdown): void {
    if (cell.host !== undefined) this.sendSys(cell.host, { op: 'stop', from: this.node, path: cell.path, inc: cell.incarnation, shutdown });
  }

  kill(cell: RemoteChildCell): void {
    if (cell.host !== undefined) this.sendSys(cell.host, { op: 'kill', from: this.node, path: cell.path, inc: cell.incarnation });
  }

  skip(cell: RemoteChildCell, seq: number): void {
    if (cell.host !== undefined) this.sendSys(cell.host, { op: 'skip', from: this.node, path: cell.path, inc: cell.incarnation, seq });
  }

  forward(cell: RemoteChildCell, seq: number, event: ArborEvent): void {
    const host = cell.host;
    if (host === undefined) return;
    const envelope = this.userEnvelope(cell.path, event, cell.senderOf(event));
    envelope.inc = cell.incarnation;
    envelope.seq = seq;
    this.send(host, envelope);
  }

  released(cell: RemoteChildCell): void {
    this.cancelPlacement(cell);
    this.proxies.delete(cell);
  }

  // --- the host side ---------------------------------------------------------------------------

  private spawnHosted(op: Extract<SystemOp, { op: 'spawn' }>): void {
    const existing = this.hosted.get(op.path);
    if (existing) {
      if (existing.inc >= op.inc) return; // a duplicate spawn
      this.removeHosted(existing, true);
    }
    const fail = (error: Error): void => this.sendSys(op.from, { op: 'exit', from: this.node, path: op.path, inc: op.inc, processed: 0, exit: { normal: false, error: toWireError(error) } });
    const logic = Object.prototype.hasOwnProperty.call(this.system.kinds, op.kind) ? this.system.kinds[op.kind] : undefined;
    if (logic === undefined) {
      fail(new ArborError('NOT_FOUND', `node "${this.node}" does not host kind "${op.kind}"`, { node: this.node, kind: op.kind }));
      return;
    }
    const h: Hosted = { path: op.path, owner: op.from, inc: op.inc, cell: undefined as unknown as Cell, accepted: new Deque<number>(), taken: new Set(), done: new Set(), processed: 0, reported: 0, gone: false };
    const parent: CellParent = {
      path: op.path.slice(0, op.path.lastIndexOf('/')),
      childExited: (child, _incarnation, exit) => {
        if (h.gone || h.cell !== child) return;
        this.settleProcessed(h);
        const wire: WireExit = exit.kind === 'normal' ? { normal: true, output: encodeRefs(exit.output) } : { normal: false, error: toWireError(exit.error) };
        this.sendSys(h.owner, { op: 'exit', from: this.node, path: h.path, inc: h.inc, processed: h.processed, exit: wire });
        queueMicrotask(() => this.removeHosted(h, false));
      },
    };
    try {
      const id = op.path.slice(op.path.lastIndexOf('/') + 1);
      h.cell = this.system.createCell(
        { path: op.path, id, parent, logic, input: reviveRefs(op.input, (p) => this.refFor(p)), mailbox: normalizeMailboxOptions(undefined, this.system.mailboxDefaults) },
        'kind',
        false,
      );
    } catch (err) {
      fail(toError(err));
      return;
    }
    h.cell.shutdown = op.shutdown;
    this.hosted.set(op.path, h);
    this.system.logger.info({ actor: op.path, owner: op.from, kind: op.kind, inc: op.inc }, 'hosting remote child');
    h.cell.start();
  }

  private stopHosted(path: string, inc: number, shutdown: Shutdown): void {
    const h = this.hosted.get(path);
    if (!h || h.inc !== inc || h.gone) {
      const owner = h?.owner ?? nodeOfPath(path);
      if (owner !== undefined) this.sendSys(owner, { op: 'stopped', from: this.node, path, inc, processed: 0 });
      return;
    }
    void h.cell.stop(shutdown).then(() => {
      if (h.gone) return;
      this.settleProcessed(h);
      this.sendSys(h.owner, { op: 'stopped', from: this.node, path, inc, processed: h.processed });
      this.removeHosted(h, false);
    });
  }

  private killHosted(path: string, inc: number): void {
    const h = this.hosted.get(path);
    if (h && h.inc === inc) this.removeHosted(h, true);
  }

  /** Ends a hosted incarnation here. Its queued messages are dropped: the owner still holds them. */
  private removeHosted(h: Hosted, kill: boolean, reason?: Error): void {
    if (h.gone) return;
    h.gone = true;
    if (this.hosted.get(h.path) === h) this.hosted.delete(h.path);
    this.dirty.delete(h);
    if (kill) h.cell.kill();
    if (!reason) h.cell.mailbox.user.drain();
    h.cell.retire(reason);
  }

  private settleProcessed(h: Hosted): void {
    const queued = h.cell.mailbox.user.size;
    while (h.accepted.size > queued) this.markDone(h, h.accepted.shift() as number);
  }

  /** `seq` was processed (or skipped): `processed` moves up over every number now done below it. */
  private markDone(h: Hosted, seq: number): void {
    h.done.add(seq);
    while (h.done.has(h.processed + 1)) {
      h.processed++;
      h.done.delete(h.processed);
      h.taken.delete(h.processed);
    }
  }

  private markDirty(h: Hosted): void {
    this.dirty.add(h);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Reports progress of every hosted incarnation that processed something since the last report. */
  private flush(): void {
    this.flushScheduled = false;
    let waiting = false;
    for (const h of this.dirty) {
      this.settleProcessed(h);
      if (h.processed > h.reported) {
        h.reported = h.processed;
        this.sendSys(h.owner, { op: 'processed', from: this.node, path: h.path, inc: h.inc, processed: h.processed });
      }
      if (h.accepted.size === 0) this.dirty.delete(h);
      else waiting = true;
    }
    if (waiting && !this.flushScheduled) {
      this.flushScheduled = true;
      // Still busy: look again soon, without spinning while an actor waits on something slow.
      setTimeout(() => this.flush(), 2);
    }
  }

  // --- requests across nodes ---------------------------------------------------------------------

  private request(node: string, what: { what: 'result' | 'describe'; path?: string }, timeout: number | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = ++this.reqSeq;
      const timer =
        timeout === undefined
          ? undefined
          : this.system.clock.setTimeout(() => {
              this.requests.delete(req);
              reject(new ArborError('ASK_TIMEOUT', `node "${node}" did not answer "${what.what}" within ${timeout} ms`, { node, timeout }));
            }, timeout);
      this.requests.set(req, { node, resolve, reject, timer });
      this.sendSys(node, { op: 'request', from: this.node, req, ...what });
    });
  }

  private answer(op: Extract<SystemOp, { op: 'request' }>): void {
    const reply = (outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void =>
      this.sendSys(
        op.from,
        outcome.ok
          ? { op: 'reply', from: this.node, req: op.req, ok: true, value: encodeRefs(outcome.value) }
          : { op: 'reply', from: this.node, req: op.req, ok: false, error: toWireError(outcome.error) },
      );
    if (op.what === 'describe') return reply({ ok: true, value: this.describe() });
    const cell = op.path === undefined ? undefined : this.system._cellAt(op.path);
    if (!cell) return reply({ ok: false, error: new ArborError('NOT_FOUND', `no actor at ${String(op.path)}`, { path: op.path }) });
    cell.result.promise().then(
      (value) => reply({ ok: true, value }),
      (error: unknown) => reply({ ok: false, error }),
    );
  }

  // --- membership ------------------------------------------------------------------------------

  private isUp(node: string): boolean {
    return this.system.transport.nodes().some((n) => n.node === node);
  }

  /** A node went down: its children here crash with `NODE_DOWN`, what it hosted for us is gone. */
  nodeDown(node: string): void {
    for (const proxy of [...this.proxies]) proxy.hostDown(node);
    const error = new ArborError('NODE_DOWN', `node "${node}" went down`, { node });
    for (const [req, pending] of this.requests) {
      if (pending.node !== node) continue;
      this.requests.delete(req);
      this.system.clock.clearTimeout(pending.timer);
      pending.reject(error);
    }
    // Incarnations we ran for a supervisor on that node die with it, as linked processes would.
    // The owner is told all the same: a node whose event loop stalled past 3 heartbeats looks down
    // but is not, and a live owner that never heard of this would forward into the void for ever
    // (its window full, nothing re-sent). Told, it restarts the child by its supervisor's rules and
    // re-sends what was not processed; to an owner that really died the message goes nowhere.
    for (const h of [...this.hosted.values()]) {
      if (h.owner !== node) continue;
      this.settleProcessed(h);
      const lost = new ArborError('NODE_DOWN', `node "${this.node}" running ${h.path} lost its owner "${node}"`, { path: h.path, node: this.node, owner: node });
      this.sendSys(node, { op: 'exit', from: this.node, path: h.path, inc: h.inc, processed: h.processed, exit: { normal: false, error: toWireError(lost) } });
      this.removeHosted(h, true, error);
    }
    const transport = this.system.transport;
    if (!transport.drainNode) return;
    // A node that restarted under the same name is reported down and at once up again: its queue
    // is live then, and must not be drained.
    setTimeout(() => {
      if (this.isUp(node) || !transport.drainNode) return;
      transport.drainNode(node).then(
        (n) => n > 0 && this.system.logger.info({ peer: node, envelopes: n }, 'took over messages in flight to a dead node'),
        (err: unknown) => this.system.logger.warn({ peer: node, err: toError(err).message }, 'could not drain a dead node'),
      );
    }, 0);
  }

  /** An envelope this node sent could not be delivered. */
  undeliverable(envelope: Envelope, error: ArborError): void {
    if (envelope.kind === 'system') {
      const op = envelope.body as SystemOp;
      if (op.op === 'spawn') this.proxyAt(op.path)?.remoteExited(op.inc, 0, { kind: 'crash', error });
      else if (op.op === 'stop') this.proxyAt(op.path)?.remoteStopped(op.inc, 0);
      else if (op.op === 'request') this.requests.get(op.req)?.reject(error);
      else this.system.logger.warn({ op: op.op, to: envelope.to, code: error.code }, `system message undeliverable: ${error.message}`);
      return;
    }
    if (envelope.inc !== undefined && envelope.seq !== undefined) {
      this.proxyAt(envelope.to)?.forwardFailed(envelope.inc, envelope.seq, error);
      return;
    }
    if (envelope.to === TOPIC_TARGET && error.code === 'UNROUTABLE') {
      // No node subscribes to this type: as on one node, a publish nobody listens to reaches no one.
      this.system.logger.debug({ eventType: (envelope.body as { type?: unknown }).type }, 'published event has no subscriber');
      return;
    }
    this.system.deadLetter(envelope.to, reviveRefs(envelope.body, (p) => this.refFor(p)), error);
  }

  /**
   * The transport dead-lettered an envelope that arrived here (an invalid body, no attempts left):
   * an ask waiting for its reply, here or on another node, fails now instead of at its timeout.
   * Reads the raw `{ $ref }` of `replyTo`: the body may be anything, and is not revived.
   */
  deadLettered(envelope: Envelope, error: ArborError): void {
    if (envelope.kind !== 'user') return;
    const replyTo = (envelope.body as { replyTo?: { $ref?: unknown } } | null)?.replyTo?.$ref;
    if (typeof replyTo !== 'string' || !replyTo.includes('/$ask/')) return;
    const node = nodeOfPath(replyTo);
    if (node === this.node) {
      const ask = this.system._pendingAsk(replyTo);
      if (ask) failAsk({ replyTo: ask }, error);
    } else if (node !== undefined) this.sendSys(node, { op: 'ask_fail', from: this.node, path: replyTo, error: toWireError(error) });
  }

  /** A dead letter whose `replyTo` is an ask on another node: that ask fails now, not at its timeout. */
  remoteAskFailed(event: unknown, reason: Error): void {
    const replyTo = (event as { replyTo?: unknown } | null)?.replyTo;
    if (!(replyTo instanceof RemoteActorRef) || !replyTo.path.includes('/$ask/')) return;
    const node = nodeOfPath(replyTo.path);
    if (node !== undefined && node !== this.node) this.sendSys(node, { op: 'ask_fail', from: this.node, path: replyTo.path, error: toWireError(reason) });
  }

  // --- status ----------------------------------------------------------------------------------

  describe(): NodeTree {
    return { node: this.node, roots: this.system._roots().map((c) => c.describe()), hosted: [...this.hosted.values()].map((h) => h.cell.describe()) };
  }

  async clusterStatus(timeout: number): Promise<ClusterStatus> {
    const nodes = this.system.transport.nodes();
    const unreachable: string[] = [];
    const trees = await Promise.all(
      nodes.map(async (n) => {
        if (n.node === this.node) return this.describe();
        try {
          return (await this.request(n.node, { what: 'describe' }, timeout)) as NodeTree;
        } catch {
          unreachable.push(n.node);
          return undefined;
        }
      }),
    );
    return { nodes, trees: trees.filter((t): t is NodeTree => t !== undefined), unreachable };
  }

  /** Stops hosting at shutdown: what runs here for others is stopped (owners see their host go). */
  async shutdown(): Promise<void> {
    for (const h of [...this.hosted.values()]) {
      await h.cell.stop(h.cell.shutdown);
      this.removeHosted(h, false, new ArborError('SYSTEM_SHUTDOWN', `node "${this.node}" shut down`, { node: this.node }));
    }
    for (const [, pending] of this.requests) {
      this.system.clock.clearTimeout(pending.timer);
      pending.reject(new ArborError('SYSTEM_SHUTDOWN', `node "${this.node}" shut down`, { node: this.node }));
    }
    this.requests.clear();
  }
}
