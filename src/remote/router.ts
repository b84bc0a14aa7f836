/**
 * Routing by path. A path's host part names the node that owns that place in the tree (the node
 * of the supervisor that placed it), so any node can route to any path: it sends to the owner,
 * and the owner delivers locally or forwards to the node running the actor.
 *
 * The router makes the envelopes of this node (a fresh id each, refs in wire form), sends them
 * (to this node itself without the transport, never on the caller's stack), hands inbound user
 * envelopes to local mailboxes, pending asks, topic subscribers and pool servers, and makes the
 * refs that stand for paths not on this node.
 */
import { randomUUID } from 'node:crypto';
import type { ActorSystem } from '../runtime/actor-system.js';
import { failAsk } from '../runtime/ask.js';
import { ArborError } from '../runtime/errors.js';
import { correlationOf, type ArborEvent } from '../runtime/event.js';
import { nodeOfPath, POOL_TARGET, SCHEME, SINGLETON_HOST, singletonIdOf, TOPIC_TARGET } from '../runtime/paths.js';
import type { ActorRef, AskOptions } from '../runtime/ref.js';
import type { RelayForm } from '../runtime/relay.js';
import type { DeliveryResult, Envelope } from '../runtime/transport.js';
import { CONTROL_OPS, PROTOCOL_TARGET, type ProtocolMessage } from './protocol.js';
import { RemoteChildCell } from './remote-child-cell.js';
import { RemoteActorRef, type RemoteRouter } from './remote-ref.js';
import { toWireError } from './wire-error.js';
import { encodeRefs, reviveRefs } from './wire-refs.js';
import { assertWireSafe } from './wire-check.js';

/** The envelope header of an urgent message (`send(event, { priority: 'urgent' })`). */
export const PRIORITY_HEADER = 'arbor-priority';

/**
 * The envelope header naming the node that sent a user message through a ref to a path another
 * node owns: the owner of a remote child answers it with a `route` (where the child runs), and
 * the host of a child recognises a message sent to it directly.
 */
export const SENDER_NODE_HEADER = 'arbor-sender-node';

/**
 * Header of a forward whose owner does not wait on its `processed` report: the host may send that
 * report later, with others (see `host-side.ts`). Without it (an older owner, or one that waits) the
 * host reports within its turn.
 */
export const LAZY_REPORT_HEADER = 'arbor-lazy-report';

/** The envelope header of a message sent straight to a remote child's host (not through its owner). */
export const DIRECT_HEADER = 'arbor-direct';

/** Where a remote child of another node runs, as its owner last told this node. */
interface Route {
  node: string;
  inc: number;
}

/** What the router hands on: envelopes it sends to this node itself, and result requests. */
export interface RouterLinks {
  /** An envelope from this node to itself (delivered as if it had come from the transport). */
  deliver(envelope: Envelope): DeliveryResult | Promise<DeliveryResult>;
  undeliverable(envelope: Envelope, error: ArborError): void;
  /** Asks `node`, the owner of `path`, for the actor's result. */
  requestResult(node: string, path: string): Promise<unknown>;
}

export class Router implements RemoteRouter {
  readonly node: string;
  private readonly idPrefix = randomUUID().slice(0, 8);
  private readonly provenance = new WeakMap<object, Envelope>();
  private idSeq = 0;
  /**
   * Remote children of other nodes that this node sends to, and the node running each: messages
   * go there directly instead of through the owner (one broker hop instead of two). A hint only:
   * a host that no longer runs the child passes the message on to its owner, which answers with
   * the new route. One entry per remote child this node has sent to.
   */
  private readonly routes = new Map<string, Route>();

  constructor(
    readonly system: ActorSystem,
    private readonly links: RouterLinks,
  ) {
    this.node = system.node;
  }

  newId(): string {
    return `${this.node}.${this.idPrefix}.${(++this.idSeq).toString(36)}`;
  }

  // --- refs ----------------------------------------------------------------------------------

  /** The ref for `path` as seen from this node (a relay's, rebuilt here, when it is one). */
  refFor(path: string, relay?: RelayForm): ActorRef {
    if (relay !== undefined) {
      const rebuilt = this.system._relayRef(path, relay);
      if (rebuilt !== undefined) return rebuilt;
    }
    // A singleton's ref always routes through its queue: it stays valid when another node takes it over.
    if (singletonIdOf(path) !== undefined) return new RemoteActorRef(path, this);
    return this.system._cellAt(path)?.ref ?? this.system._pendingAsk(path) ?? new RemoteActorRef(path, this);
  }

  /**
   * The event of a user envelope from the wire, refs revived; the envelope's id, attempt and
   * headers are remembered for it, so that a dead letter of the event carries them on.
   */
  reviveEvent(envelope: Envelope): ArborEvent {
    const event = this.revive(envelope.body) as ArborEvent;
    if (typeof event === 'object' && event !== null) {
      this.provenance.set(event, envelope);
      this.system.tracer?.incoming(event, envelope);
    }
    return event;
  }

  /** The envelope an event arrived in, if it came from the wire (see {@link reviveEvent}). */
  arrivedIn(event: unknown): Envelope | undefined {
    return typeof event === 'object' && event !== null ? this.provenance.get(event) : undefined;
  }

  /** Replaces the wire refs in a body from the wire by refs of this node. */
  revive<T>(value: T): T {
    return reviveRefs(value, (p, relay) => this.refFor(p, relay));
  }

  /** A ref for a full path with no local cell, or `undefined` when no actor can be there. */
  lookup(full: string): ActorRef | undefined {
    // A pool's path names the pool (a ref kept as its path, by a durable actor say, comes back as one).
    if (full.startsWith(`${POOL_TARGET}/`) && full.length > POOL_TARGET.length + 1) return this.poolRef(full.slice(POOL_TARGET.length + 1));
    const owner = nodeOfPath(full);
    if (owner === undefined || full.length <= `${SCHEME}${owner}/`.length) return undefined;
    if (owner === SINGLETON_HOST) return singletonIdOf(full) === undefined ? undefined : new RemoteActorRef(full, this);
    if (owner !== this.node) return this.isUp(owner) ? new RemoteActorRef(full, this) : undefined;
    return this.proxyAbove(full) ? new RemoteActorRef(full, this) : undefined;
  }

  /** The remote child whose subtree holds `path`, if any. */
  proxyAbove(path: string): RemoteChildCell | undefined {
    for (let i = path.lastIndexOf('/'); i > SCHEME.length; i = path.lastIndexOf('/', i - 1)) {
      const cell = this.system._cellAt(path.slice(0, i));
      if (cell) return cell instanceof RemoteChildCell ? cell : undefined;
    }
    return undefined;
  }

  /** The remote child at `path`, if any. */
  proxyAt(path: string): RemoteChildCell | undefined {
    const cell = this.system._cellAt(path);
    return cell instanceof RemoteChildCell ? cell : undefined;
  }

  isUp(node: string): boolean {
    const transport = this.system.transport;
    return transport.isUp ? transport.isUp(node) : transport.nodes().some((n) => n.node === node);
  }

  // --- RemoteRouter: what remote refs do -----------------------------------------------------

  /** Sends a user event to `path`, wherever it runs. */
  route(path: string, event: ArborEvent, urgent = false): void {
    this.system.schemas?.assert(event);
    const singleton = singletonIdOf(path);
    if (singleton !== undefined) return this.sendToSingleton(singleton, path, event, urgent);
    const cell = this.system._cellAt(path);
    if (cell) return cell.tell(event, undefined, urgent);
    const owner = nodeOfPath(path);
    if (owner !== undefined && owner !== this.node) {
      assertWireSafe(event, path);
      const envelope = this.markUrgent(this.userEnvelope(path, event, this.system._sender), urgent);
      const direct = this.routes.get(path);
      envelope.headers = direct ? { ...envelope.headers, [SENDER_NODE_HEADER]: this.node, [DIRECT_HEADER]: direct.node } : { ...envelope.headers, [SENDER_NODE_HEADER]: this.node };
      return this.send(direct?.node ?? owner, envelope);
    }
    const result = this.deliverLocal(path, event, undefined);
    if (!result.ok) this.system.deadLetter(path, event, result.error);
  }

  ask<T>(target: ActorRef, event: ArborEvent, options?: AskOptions): Promise<T> {
    return this.system.ask<T>(target, event, options);
  }

  /** Asks the owner of `path` for the actor's result (resolves or rejects as `result()` would). */
  remoteResult(path: string): Promise<unknown> {
    const owner = nodeOfPath(path);
    if (owner === undefined) return Promise.reject(new ArborError('NOT_FOUND', `not an actor path: ${path}`, { path }));
    if (owner === SINGLETON_HOST) {
      const singletons = this.system._singletons;
      return singletons ? singletons.result(path) : Promise.reject(new ArborError('NOT_FOUND', `node "${this.node}" runs no singletons: ${path}`, { path }));
    }
    if (owner === this.node) {
      const cell = this.system._cellAt(path);
      return cell ? cell.result.promise() : Promise.reject(new ArborError('NOT_FOUND', `no actor at ${path}`, { path }));
    }
    return this.links.requestResult(owner, path);
  }

  /** The owner of the remote child at `path` says incarnation `inc` runs on `node`. */
  learnRoute(path: string, node: string, inc: number): void {
    const known = this.routes.get(path);
    if (known === undefined || inc >= known.inc) this.routes.set(path, { node, inc });
  }

  /**
   * A message sent straight to a host could not be sent (the host died and its queue is gone, or
   * the send timed out): it goes through the owner instead, which knows where the child runs now.
   */
  viaOwner(envelope: Envelope): void {
    const owner = nodeOfPath(envelope.to);
    if (owner === undefined) return;
    if (this.routes.get(envelope.to)?.node === envelope.headers?.[DIRECT_HEADER]) this.routes.delete(envelope.to);
    const { [DIRECT_HEADER]: _direct, ...headers } = envelope.headers ?? {};
    this.send(owner, { ...envelope, headers });
  }

  /** `node` went down: what it ran is reached through the owners again until they say otherwise. */
  forgetRoutesTo(node: string): void {
    for (const [path, route] of this.routes) if (route.node === node) this.routes.delete(path);
  }

  // --- pools and topics ----------------------------------------------------------------------

  /** A ref to the work pool of `kind`. */
  poolRef(kind: string): ActorRef {
    return new RemoteActorRef(`${POOL_TARGET}/${kind}`, {
      route: (_path, event, urgent) => this.sendToPool(kind, event, urgent),
      ask: (target, event, options) => this.system.ask(target, event, options),
      remoteResult: () => Promise.reject(new ArborError('NOT_FOUND', `a pool has no result (pool "${kind}")`, { kind })),
    });
  }

  private sendToPool(kind: string, event: ArborEvent, urgent = false): void {
    this.system.schemas?.assert(event);
    const transport = this.system.transport;
    if (!transport.sendToPool) {
      const server = this.system._poolServer(kind);
      if (server) void server.offer(event, urgent);
      else this.system.deadLetter(`${POOL_TARGET}/${kind}`, event, new ArborError('NOT_FOUND', `no node serves pool "${kind}"`, { kind }));
      return;
    }
    assertWireSafe(event, `${POOL_TARGET}/${kind}`);
    transport.sendToPool(kind, this.markUrgent(this.userEnvelope(`${POOL_TARGET}/${kind}`, event, undefined), urgent));
  }

  /** Sends a user event to the queue of the singleton `id` (consumed by the node that runs it). */
  private sendToSingleton(id: string, path: string, event: ArborEvent, urgent: boolean): void {
    const transport = this.system.transport;
    if (!transport.sendToSingleton) {
      this.system.deadLetter(path, event, new ArborError('NOT_FOUND', `the ${transport.name} transport has no singleton queues: ${path}`, { path }));
      return;
    }
    assertWireSafe(event, path);
    transport.sendToSingleton(id, this.markUrgent(this.userEnvelope(path, event, this.system._sender), urgent));
  }

  /** Sends a published event to the other nodes' subscribers. */
  publish(event: ArborEvent): void {
    const transport = this.system.transport;
    if (!transport.publish) return;
    assertWireSafe(event, TOPIC_TARGET);
    transport.publish(event.type, this.userEnvelope(TOPIC_TARGET, event, this.node));
  }

  // --- outbound ------------------------------------------------------------------------------

  /**
   * The envelope of a user event for `to`: a fresh id, refs in wire form, the event's correlation
   * id, and `from` when given (the sending actor, or the publishing node for a topic event); with a
   * tracer, the trace context of the send (unless `traced` is false: a copy, not a send).
   */
  userEnvelope(to: string, event: ArborEvent, from: string | undefined, traced = true): Envelope {
    const envelope: Envelope = { id: this.newId(), to, kind: 'user', body: encodeRefs(event), sentAt: this.system.clock.now() };
    const correlationId = correlationOf(event);
    if (correlationId !== undefined) envelope.correlationId = correlationId;
    if (from !== undefined) envelope.from = from;
    const tracer = traced ? this.system.tracer : undefined;
    if (tracer) tracer.outgoing(event, envelope, nodeOfPath(to) ?? to, this.routingKeyOf(to, event, envelope));
    return envelope;
  }

  /** The broker routing key of a user envelope for `to` (a path, a pool or the topic target), when the transport has one. */
  private routingKeyOf(to: string, event: ArborEvent, envelope: Envelope): string | undefined {
    const transport = this.system.transport;
    if (!transport.routingKeyOf) return undefined;
    if (to === TOPIC_TARGET) return transport.routingKeyOf({ topic: event.type }, envelope);
    if (to.startsWith(`${POOL_TARGET}/`)) return transport.routingKeyOf({ pool: to.slice(POOL_TARGET.length + 1) }, envelope);
    const node = nodeOfPath(to);
    return node === undefined ? undefined : transport.routingKeyOf({ node }, envelope);
  }

  sendUser(node: string, path: string, event: ArborEvent, urgent = false): void {
    this.send(node, this.markUrgent(this.userEnvelope(path, event, this.system._sender), urgent));
  }

  /** Marks an urgent message's envelope (sent so, or of a type this node's `priorities` make urgent). */
  private markUrgent(envelope: Envelope, urgent: boolean): Envelope {
    if (urgent || this.system.urgentTypes?.has((envelope.body as ArborEvent).type)) envelope.headers = { ...envelope.headers, [PRIORITY_HEADER]: 'urgent' };
    return envelope;
  }

  /** Sends a protocol message to `node`: reports, requests and replies on the control lane (see {@link CONTROL_OPS}). */
  sendProtocol(node: string, message: ProtocolMessage): void {
    const envelope: Envelope = { id: this.newId(), to: `${SCHEME}${node}/${PROTOCOL_TARGET}`, kind: 'system', body: message, sentAt: this.system.clock.now() };
    const transport = this.system.transport;
    if (node !== this.node && transport.sendControl && CONTROL_OPS.has(message.op)) return transport.sendControl(node, envelope);
    this.send(node, envelope);
  }

  /** To this node without the transport (never on the caller's stack); to others through it. */
  send(node: string, envelope: Envelope): void {
    if (node !== this.node) return this.system.transport.send(node, envelope);
    queueMicrotask(() => {
      const settle = (result: DeliveryResult): void => {
        // A stale forward to itself: this node is the owner that re-sends it; nothing to record.
        if (!result.ok && result.error.details.stale !== true) this.links.undeliverable(envelope, result.error);
      };
      const result = this.links.deliver(envelope);
      if (result instanceof Promise) void result.then(settle);
      else settle(result);
    });
  }

  // --- inbound -------------------------------------------------------------------------------

  /** A user envelope (not a forward to a hosted incarnation) arriving at this node. */
  deliverUser(envelope: Envelope): DeliveryResult | Promise<DeliveryResult> {
    // Validated again here: the sender may run other code (or another schema version).
    const refused = this.system.schemas?.check(envelope.body as ArborEvent);
    if (refused) return { ok: false, retry: false, error: refused };
    if (envelope.to === TOPIC_TARGET) {
      // Our own publishes were delivered locally already.
      if (envelope.from !== this.node) this.system._deliverPublished(this.revive(envelope.body) as ArborEvent);
      return { ok: true };
    }
    if (envelope.to.startsWith(POOL_TARGET)) {
      const kind = envelope.to.slice(POOL_TARGET.length + 1);
      const server = this.system._poolServer(kind);
      // Not served here (any more): let the transport retry it, so another node takes it.
      if (!server) return { ok: false, retry: true, error: new ArborError('NOT_FOUND', `node "${this.node}" does not serve pool "${kind}"`, { kind }) };
      // Acked once its worker has finished it (see runtime/pool-server.ts): the pool prefetch bounds this node's share.
      return { ok: true, done: server.offer(this.reviveEvent(envelope), envelope.headers?.[PRIORITY_HEADER] === 'urgent') };
    }
    if (singletonIdOf(envelope.to) !== undefined) {
      const singletons = this.system._singletons;
      if (!singletons) return { ok: false, retry: true, error: new ArborError('NOT_FOUND', `node "${this.node}" runs no singletons: ${envelope.to}`, { path: envelope.to }) };
      return singletons.deliver(envelope.to, this.reviveEvent(envelope), envelope);
    }
    return this.deliverLocal(envelope.to, this.reviveEvent(envelope), envelope);
  }

  /**
   * A user event for `path` arriving here: a local actor, a pending ask, a path below a remote
   * child (forwarded to its host), or — for a path another node owns, e.g. drained from a dead
   * node's queue — passed on to that owner.
   */
  private deliverLocal(path: string, event: ArborEvent, envelope: Envelope | undefined): DeliveryResult {
    const cell = this.system._cellAt(path);
    if (cell) {
      cell.tell(event, envelope?.from, envelope?.headers?.[PRIORITY_HEADER] === 'urgent');
      // Settled (and the broker message acked) once processed: a node that dies with it queued loses nothing.
      return { ok: true, done: cell.receipt() };
    }
    const owner = nodeOfPath(path);
    if (owner !== undefined && owner !== this.node) {
      if (!this.isUp(owner)) {
        const error = new ArborError('NODE_DOWN', `node "${owner}" that owns ${path} is down`, { path, node: owner });
        if (envelope) this.askFailed(event, error);
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
      if (proxy.placedOn === undefined || proxy.status !== 'running') {
        return { ok: false, retry: true, error: new ArborError('NOT_FOUND', `${proxy.path}, above ${path}, is restarting`, { path }) };
      }
      this.sendUser(proxy.placedOn, path, event);
      return { ok: true };
    }
    const error = new ArborError('NOT_FOUND', `no actor at ${path}`, { path });
    // Dead-lettered by the transport on this node: an ask waiting on another node fails now.
    if (envelope) this.askFailed(event, error);
    return { ok: false, retry: false, error };
  }

  /**
   * A dead letter whose `replyTo` is an ask on another node: that ask fails now, not at its
   * timeout. A relay standing for an ask (a chain's slip) reports the failure itself.
   */
  askFailed(event: unknown, reason: Error): void {
    if (failAsk(event, reason)) return;
    const replyTo = (event as { replyTo?: unknown } | null)?.replyTo;
    if (!(replyTo instanceof RemoteActorRef) || !replyTo.path.includes('/$ask/')) return;
    const node = nodeOfPath(replyTo.path);
    if (node !== undefined && node !== this.node) this.sendProtocol(node, { op: 'ask_fail', from: this.node, path: replyTo.path, error: toWireError(reason) });
  }
}
