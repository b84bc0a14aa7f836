/**
 * Requests across nodes: an actor's result (`ref.result()` on a remote ref) and a node's
 * `describe()` (for `clusterStatus()`), each a `request` answered by one `reply`. A request fails
 * with `ASK_TIMEOUT` after its timeout, `NODE_DOWN` when the node goes down, and
 * `SYSTEM_SHUTDOWN` when this node shuts down.
 */
import type { ActorSystem } from '../runtime/actor-system.js';
import { ArborError } from '../runtime/errors.js';
import type { NodeTree } from '../runtime/node-status.js';
import type { ActorDetail } from '../runtime/actor-detail.js';
import type { ProtocolOp } from './protocol.js';
import type { Router } from './router.js';
import { fromWireError, toWireError } from './wire-error.js';
import { encodeRefs } from './wire-refs.js';

interface PendingRequest {
  node: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

export type RequestWhat = { what: 'result'; path: string } | { what: 'describe' } | { what: 'detail'; path: string } | { what: 'query'; name: string; arg?: string };

export class Requests {
  private readonly pending = new Map<number, PendingRequest>();
  private seq = 0;
  private readonly system: ActorSystem;

  constructor(
    private readonly router: Router,
    /** This node's tree, to answer `describe`. */
    private readonly describe: () => NodeTree,
    /** One actor run here in detail, to answer `detail` (`undefined`: no such actor here). */
    private readonly detail: (path: string) => ActorDetail | undefined = () => undefined,
  ) {
    this.system = router.system;
  }

  /** Asks `node`; rejects after `timeout` ms when one is given. */
  request(node: string, what: RequestWhat, timeout: number | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = ++this.seq;
      const timer =
        timeout === undefined
          ? undefined
          : this.system.clock.setTimeout(() => {
              this.pending.delete(req);
              reject(new ArborError('ASK_TIMEOUT', `node "${node}" did not answer "${what.what}" within ${timeout} ms`, { node, timeout }));
            }, timeout);
      this.pending.set(req, { node, resolve, reject, timer });
      this.router.sendProtocol(node, { op: 'request', from: this.router.node, req, ...what });
    });
  }

  /** A request from another node. */
  answer(message: ProtocolOp<'request'>): void {
    const reply = (outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void =>
      this.router.sendProtocol(
        message.from,
        outcome.ok
          ? { op: 'reply', from: this.router.node, req: message.req, ok: true, value: encodeRefs(outcome.value) }
          : { op: 'reply', from: this.router.node, req: message.req, ok: false, error: toWireError(outcome.error) },
      );
    if (message.what === 'describe') return reply({ ok: true, value: this.describe() });
    if (message.what === 'detail') return reply({ ok: true, value: message.path === undefined ? undefined : (this.detail(message.path) ?? null) });
    if (message.what === 'query') {
      try {
        return reply({ ok: true, value: message.name === undefined ? null : (this.system._answerQuery(message.name, message.arg) ?? null) });
      } catch (err) {
        return reply({ ok: false, error: err });
      }
    }
    const cell = message.path === undefined ? undefined : this.system._cellAt(message.path);
    if (!cell) return reply({ ok: false, error: new ArborError('NOT_FOUND', `no actor at ${String(message.path)}`, { path: message.path }) });
    cell.result.promise().then(
      (value) => reply({ ok: true, value }),
      (error: unknown) => reply({ ok: false, error }),
    );
  }

  /** The reply to one of this node's requests. */
  replied(message: ProtocolOp<'reply'>): void {
    const pending = this.pending.get(message.req);
    if (!pending) return;
    this.pending.delete(message.req);
    this.system.clock.clearTimeout(pending.timer);
    if (message.ok) pending.resolve(this.router.revive(message.value));
    else pending.reject(fromWireError(message.error, message.from));
  }

  /** A request that could not be sent. */
  undeliverable(req: number, error: Error): void {
    this.pending.get(req)?.reject(error);
  }

  /** Fails the requests waiting on `node`. */
  nodeDown(node: string, error: Error): void {
    for (const [req, pending] of this.pending) {
      if (pending.node !== node) continue;
      this.pending.delete(req);
      this.system.clock.clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  /** Fails every pending request. */
  failAll(error: Error): void {
    for (const [, pending] of this.pending) {
      this.system.clock.clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}
