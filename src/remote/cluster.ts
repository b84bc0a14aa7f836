/**
 * Location transparency: the distribution layer of one node, installed into its runtime through
 * the {@link Distribution} ports by `createSystem`. It joins the parts, one concept each:
 *
 * - {@link Router}: refs and routing by path, envelopes out, user envelopes in.
 * - {@link OwnerSide} / {@link HostSide}: both halves of placing a supervisor's child on another
 *   node (the owner keeps the child's cell, mailbox and window; the host runs the incarnation).
 * - {@link Requests}: results and `describe()` asked across nodes.
 * - here: dispatching protocol messages, membership (nodes up and down, draining a dead node's
 *   queue), failed sends, and status.
 *
 * Refs in events travel as `{ $ref: path }` (`wire-refs.ts`) and come back as `RemoteActorRef`s. Protocol messages are listed in `protocol.ts`.
 */
import type { ActorSystem } from '../runtime/actor-system.js';
import type { Cell, ChildRequest, TreeNode } from '../runtime/cell.js';
import type { Distribution } from '../runtime/distribution.js';
import { ArborError, toError } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import type { ClusterStatus, NodeTree } from '../runtime/node-status.js';
import type { ActorDetail } from '../runtime/actor-detail.js';
import { nodeOfPath, TOPIC_TARGET } from '../runtime/paths.js';
import type { ActorRef } from '../runtime/ref.js';
import type { DeliveryResult, Envelope, NodeInfo } from '../runtime/transport.js';
import { failAsk } from '../runtime/ask.js';
import { HostSide } from './host-side.js';
import { OwnerSide } from './owner-side.js';
import type { ProtocolMessage, WireExit } from './protocol.js';
import type { SingletonExit } from '../runtime/singleton-port.js';
import { Requests } from './requests.js';
import { DIRECT_HEADER, Router, SENDER_NODE_HEADER } from './router.js';
import { fromWireError, toWireError } from './wire-error.js';

/** How long a host waits before sending again an exit report that could not be sent (ms). */
const REPORT_RESEND_MS = 200;

export class Cluster implements Distribution {
  readonly router: Router;
  private readonly owner: OwnerSide;
  private readonly host: HostSide;
  private readonly requests: Requests;

  constructor(private readonly system: ActorSystem) {
    this.router = new Router(system, {
      deliver: (envelope) => this.deliver(envelope),
      undeliverable: (envelope, error) => this.undeliverable(envelope, error),
      requestResult: (node, path) => this.requests.request(node, { what: 'result', path }, undefined),
    });
    this.owner = new OwnerSide(this.router);
    this.host = new HostSide(this.router);
    this.requests = new Requests(
      this.router,
      () => this.system.describe(),
      (path) => this.system._localDetail(path),
    );
  }

  private get node(): string {
    return this.system.node;
  }

  // --- ports the runtime calls ---------------------------------------------------------------

  lookup(path: string): ActorRef | undefined {
    return this.router.lookup(path);
  }

  poolRef(kind: string): ActorRef {
    return this.router.poolRef(kind);
  }

  publish(event: ArborEvent): void {
    this.router.publish(event);
  }

  deadLettered(event: unknown, reason: ArborError, recipient: string, askFailed: boolean): void {
    if (!askFailed) this.router.askFailed(event, reason);
    const transport = this.system.transport;
    if (!transport.deadLetter || recipient === TOPIC_TARGET || typeof event !== 'object' || event === null) return;
    // The copy keeps the id, attempts and headers of the envelope the event arrived in, if any.
    const envelope = this.router.userEnvelope(recipient, event as ArborEvent, this.system._sender, false);
    const trace = this.system.tracer?.headersOf(event);
    if (trace) envelope.headers = trace;
    const arrived = this.router.arrivedIn(event);
    if (arrived) {
      envelope.id = arrived.id;
      if (arrived.attempt !== undefined) envelope.attempt = arrived.attempt;
      if (arrived.headers !== undefined) envelope.headers = arrived.headers;
      if (arrived.from !== undefined) envelope.from = arrived.from;
    }
    transport.deadLetter(envelope, reason);
  }

  /**
   * The transport dead-lettered an envelope that arrived here (an invalid body, no attempts left):
   * an ask waiting for its reply, here or on another node, fails now instead of at its timeout.
   * Reads the raw `{ $ref }` of `replyTo`: the body may be anything, and is not revived (only a
   * relay's `replyTo` is).
   */
  inboundDeadLettered(envelope: Envelope, error: ArborError): void {
    if (envelope.kind !== 'user') return;
    const wire = (envelope.body as { replyTo?: { $ref?: unknown; $relay?: unknown } } | null)?.replyTo;
    // A relay standing for an ask (a chain's slip) acts here: rebuilt, it reports the failure where it should.
    if (typeof wire?.$relay === 'string') {
      failAsk({ replyTo: this.router.revive(wire) }, error);
      return;
    }
    const replyTo = wire?.$ref;
    if (typeof replyTo !== 'string' || !replyTo.includes('/$ask/')) return;
    const node = nodeOfPath(replyTo);
    if (node === this.node) {
      const ask = this.system._pendingAsk(replyTo);
      if (ask) failAsk({ replyTo: ask }, error);
    } else if (node !== undefined) this.router.sendProtocol(node, { op: 'ask_fail', from: this.node, path: replyTo, error: toWireError(error) });
  }

  singletonEnded(id: string, exit: SingletonExit): void {
    const wire: WireExit = exit.normal ? { normal: true, output: exit.output } : { normal: false, error: toWireError(exit.error) };
    for (const n of this.system.transport.nodes()) {
      if (n.node !== this.node) this.router.sendProtocol(n.node, { op: 'singleton_end', from: this.node, id, exit: wire });
    }
  }

  placeChild(request: ChildRequest): Cell | undefined {
    return this.owner.placeChild(request);
  }

  hosted(): TreeNode[] {
    return this.host.describe();
  }

  hostedCell(path: string): Cell | undefined {
    return this.host.cellAt(path);
  }

  async actorDetail(node: string, path: string, timeout: number): Promise<ActorDetail | undefined> {
    if (node === this.node) return this.system._localDetail(path);
    return ((await this.requests.request(node, { what: 'detail', path }, timeout)) as ActorDetail | null) ?? undefined;
  }

  query(node: string, name: string, arg: string | undefined, timeout: number): Promise<unknown> {
    if (node === this.node) return Promise.resolve(this.system._answerQuery(name, arg));
    return this.requests.request(node, { what: 'query', name, ...(arg === undefined ? {} : { arg }) }, timeout);
  }

  async clusterStatus(timeout: number): Promise<ClusterStatus> {
    const nodes = this.system.transport.nodes();
    const unreachable: string[] = [];
    const trees = await Promise.all(
      nodes.map(async (n) => {
        if (n.node === this.node) return this.system.describe();
        try {
          return (await this.requests.request(n.node, { what: 'describe' }, timeout)) as NodeTree;
        } catch {
          unreachable.push(n.node);
          return undefined;
        }
      }),
    );
    return { nodes, trees: trees.filter((t): t is NodeTree => t !== undefined), unreachable };
  }

  async shutdown(): Promise<void> {
    await this.host.shutdown((owner, timeout) => this.requests.request(owner, { what: 'describe' }, timeout));
    this.requests.failAll(new ArborError('SYSTEM_SHUTDOWN', `node "${this.node}" shut down`, { node: this.node }));
  }

  // --- inbound -------------------------------------------------------------------------------

  /** An envelope from the transport (or from this node to itself). */
  deliver(envelope: Envelope): DeliveryResult | Promise<DeliveryResult> {
    if (envelope.kind === 'system') return this.onProtocol(envelope);
    if (envelope.inc !== undefined) return this.host.forwarded(envelope);
    const sender = envelope.headers?.[SENDER_NODE_HEADER];
    if (sender !== undefined) {
      // Sent straight to the child's host (a route its owner gave the sender), or to the owner.
      const direct = this.host.direct(envelope);
      if (direct) return direct;
      if (sender !== this.node) this.owner.advertise(envelope.to, sender);
    }
    return this.router.deliverUser(envelope);
  }

  private onProtocol(envelope: Envelope): DeliveryResult {
    const target = nodeOfPath(envelope.to);
    if (target !== this.node) {
      // Drained from a dead node's queue: its owner handles that node's death itself. Recorded as
      // a dead letter with the reason, as every envelope not taken is.
      const op = (envelope.body as { op?: unknown } | null)?.op;
      this.system.logger.info({ to: envelope.to, op }, 'system message for another node dead-lettered');
      return { ok: false, retry: false, error: new ArborError('NOT_FOUND', `system message "${String(op)}" for ${envelope.to} reached node "${this.node}" (drained from a dead node's queue; that node's death is handled by its owners)`, { path: envelope.to, op }) };
    }
    const message = envelope.body as ProtocolMessage;
    if (typeof message !== 'object' || message === null || typeof message.op !== 'string' || typeof message.from !== 'string') {
      return { ok: false, retry: false, error: new ArborError('DECODE_ERROR', 'malformed system message', { to: envelope.to }) };
    }
    switch (message.op) {
      case 'spawn':
        this.host.spawn(message);
        break;
      case 'stop':
        this.host.stop(message.path, message.inc, message.shutdown);
        break;
      case 'kill':
        this.host.kill(message.path, message.inc);
        break;
      case 'skip':
        this.host.skip(message);
        break;
      case 'exit':
        this.owner.exited(message);
        break;
      case 'stopped':
        this.owner.stopped(message);
        break;
      case 'processed':
        this.owner.processed(message);
        break;
      case 'route':
        this.router.learnRoute(message.path, message.node, message.inc);
        break;
      case 'ask_fail': {
        const ask = this.system._pendingAsk(message.path);
        if (ask) failAsk({ replyTo: ask }, fromWireError(message.error, message.from));
        break;
      }
      case 'request':
        this.requests.answer(message);
        break;
      case 'reply':
        this.requests.replied(message);
        break;
      case 'singleton_end':
        this.system.transport.forgetSingleton?.(message.id);
        this.system._singletons?.ended(message.id, message.exit.normal ? { normal: true, output: message.exit.output } : { normal: false, error: fromWireError(message.exit.error, message.from) });
        break;
      default:
        return { ok: false, retry: false, error: new ArborError('DECODE_ERROR', `unknown system message "${String((message as { op: unknown }).op)}"`, { to: envelope.to }) };
    }
    return { ok: true };
  }

  /**
   * An `exit` or `stopped` report that could not be sent (not confirmed in time) goes again a
   * little later, while its owner is up: without it the owner would take the incarnation for
   * running and hold its window for good. Not to an owner that is gone (`UNROUTABLE`, or down),
   * which has no child left to restart. The owner ignores a repeat (its incarnation number).
   */
  private resendReport(envelope: Envelope, error: ArborError): boolean {
    const owner = nodeOfPath(envelope.to);
    if (error.code === 'UNROUTABLE' || owner === undefined || !this.router.isUp(owner)) return false;
    this.system.logger.warn({ op: (envelope.body as ProtocolMessage).op, to: owner, code: error.code }, 'report to the owner not sent: sent again');
    this.system.dispatcher.later(() => this.router.sendProtocol(owner, envelope.body as ProtocolMessage), REPORT_RESEND_MS);
    return true;
  }

  /** An envelope this node sent could not be delivered. */
  undeliverable(envelope: Envelope, error: ArborError): void {
    if (envelope.kind === 'system') {
      const message = envelope.body as ProtocolMessage;
      if (message.op === 'spawn' || message.op === 'stop') this.owner.undeliverable(message, error);
      else if (message.op === 'request') this.requests.undeliverable(message.req, error);
      else if (message.op === 'processed') this.host.reportUndelivered(message, error);
      else if ((message.op === 'exit' || message.op === 'stopped') && this.resendReport(envelope, error)) return;
      else this.system.logger.warn({ op: message.op, to: envelope.to, code: error.code }, `system message undeliverable: ${error.message}`);
      return;
    }
    if (envelope.inc !== undefined && envelope.seq !== undefined) {
      this.owner.forwardFailed(envelope as Envelope & { inc: number; seq: number }, error);
      return;
    }
    if (envelope.headers?.[DIRECT_HEADER] !== undefined && error.code !== 'MESSAGE_TOO_LARGE' && error.code !== 'ENCODE_ERROR') {
      this.router.viaOwner(envelope);
      return;
    }
    if (envelope.to === TOPIC_TARGET && error.code === 'UNROUTABLE') {
      // No node subscribes to this type: as on one node, a publish nobody listens to reaches no one.
      this.system.logger.debug({ eventType: (envelope.body as { type?: unknown }).type }, 'published event has no subscriber');
      return;
    }
    this.system.deadLetter(envelope.to, this.router.revive(envelope.body), error);
  }

  // --- membership ----------------------------------------------------------------------------

  /** A node came up: children waiting for a node may now be placed. */
  nodeUp(info: NodeInfo): void {
    this.system.logger.debug({ peer: info.node, kinds: info.kinds }, 'node up');
    this.owner.nodeUp(info);
  }

  /** A node went down: its children here crash with `NODE_DOWN`, what it hosted for us is gone. */
  nodeDown(node: string): void {
    this.router.forgetRoutesTo(node);
    this.owner.nodeDown(node);
    const error = new ArborError('NODE_DOWN', `node "${node}" went down`, { node });
    this.requests.nodeDown(node, error);
    this.host.ownerDown(node, error);
    this.system._singletons?.nodeDown(node);
    const transport = this.system.transport;
    if (!transport.drainNode) return;
    // A node that restarted under the same name is reported down and at once up again: its queue
    // is live then, and must not be drained. Waiting for that goes through the dispatcher, so a
    // simulated run leaves no wall-clock timer behind.
    this.system.dispatcher.later(() => {
      if (this.router.isUp(node) || !transport.drainNode) return;
      transport.drainNode(node).then(
        (n) => n > 0 && this.system.logger.info({ peer: node, envelopes: n }, 'took over messages in flight to a dead node'),
        (err: unknown) => this.system.logger.warn({ peer: node, err: toError(err).message }, 'could not drain a dead node'),
      );
    }, 0);
  }
}
