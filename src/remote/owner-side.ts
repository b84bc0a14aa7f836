/**
 * The owner side of remote placement: the node whose supervisor placed a child on another node.
 * It chooses the node for each incarnation (the first candidate that is up and hosts the kind,
 * or the least loaded such node), waits for one within the placement timeout, sends `spawn`,
 * `stop`, `kill`, `skip` and the forwards of the child's messages, and hands what the host
 * reports (`exit`, `stopped`, `processed`) to the child's {@link RemoteChildCell}.
 */
import type { ActorSystem } from '../runtime/actor-system.js';
import type { Cell, ChildRequest, Exit, Shutdown } from '../runtime/cell.js';
import type { ArborError } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import type { Envelope, NodeInfo } from '../runtime/transport.js';
import type { ProtocolOp } from './protocol.js';
import { RemoteChildCell, type PlacementLink } from './remote-child-cell.js';
import { LAZY_REPORT_HEADER, type Router } from './router.js';
import { fromWireError } from './wire-error.js';
import { encodeRefs } from './wire-refs.js';

export class OwnerSide implements PlacementLink {
  private readonly proxies = new Set<RemoteChildCell>();
  /** Remote children waiting for a node to place them on, with their timeout timers. */
  private readonly waiting = new Map<RemoteChildCell, unknown>();
  /** Per remote child, the nodes told where it runs (`route`), with the incarnation they were told of. */
  private readonly advertised = new Map<string, Map<string, number>>();
  /** Hosts that said they are shutting down (an exit with `SYSTEM_SHUTDOWN`): not placed on until they come up again. */
  private readonly leaving = new Set<string>();
  private readonly system: ActorSystem;

  /** Whether senders are told where this node's remote children run (`directRoutes`; the environment overrides it). */
  private readonly direct: boolean;

  constructor(private readonly router: Router) {
    this.system = router.system;
    const env = process.env.ARBOR_DIRECT_ROUTES;
    this.direct = env === '0' ? false : env === '1' ? true : this.system.directRoutes;
  }

  private get node(): string {
    return this.router.node;
  }

  /**
   * The owner's cell of a child that runs elsewhere, or `undefined` when it runs here: a child
   * of a `kind` runs elsewhere when its spec names nodes, or when this node does not host the kind
   * and the transport reaches other nodes.
   */
  placeChild(request: ChildRequest): Cell | undefined {
    const { kind, node } = request;
    if (kind === undefined) return undefined;
    const hostedHere = Object.prototype.hasOwnProperty.call(this.system.kinds, kind);
    if (node === undefined && (hostedHere || !reachesOtherNodes(this.system))) return undefined;
    const cell = new RemoteChildCell({ ...request.init, logic: undefined, system: this.system }, kind, node, this);
    this.proxies.add(cell);
    return cell;
  }

  // --- PlacementLink: what a remote child asks of its owner -----------------------------------

  place(kind: string, candidates: readonly string[] | undefined): string | undefined {
    const up = new Map(this.system.transport.nodes().map((n) => [n.node, n]));
    const hosts = (node: string): boolean => (node === this.node ? kind in this.system.kinds : !this.leaving.has(node) && (up.get(node)?.kinds.includes(kind) ?? false));
    if (candidates) return candidates.find(hosts);
    // Any node: the one running fewest of this node's remote children, to spread the load.
    const load = new Map<string, number>();
    for (const p of this.proxies) if (p.placedOn !== undefined) load.set(p.placedOn, (load.get(p.placedOn) ?? 0) + 1);
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

  spawn(cell: RemoteChildCell, node: string): void {
    this.router.sendProtocol(node, { op: 'spawn', from: this.node, path: cell.path, kind: cell.kind, input: encodeRefs(cell.input), inc: cell.incarnation, shutdown: cell.shutdown, ...(cell.durable ? { durable: cell.durable } : {}) });
  }

  stop(cell: RemoteChildCell, shutdown: Shutdown): void {
    if (cell.placedOn !== undefined) this.router.sendProtocol(cell.placedOn, { op: 'stop', from: this.node, path: cell.path, inc: cell.incarnation, shutdown });
  }

  kill(cell: RemoteChildCell): void {
    if (cell.placedOn !== undefined) this.router.sendProtocol(cell.placedOn, { op: 'kill', from: this.node, path: cell.path, inc: cell.incarnation });
  }

  skip(cell: RemoteChildCell, seq: number): void {
    if (cell.placedOn !== undefined) this.router.sendProtocol(cell.placedOn, { op: 'skip', from: this.node, path: cell.path, inc: cell.incarnation, seq });
  }

  forward(cell: RemoteChildCell, seq: number, event: ArborEvent, prompt: boolean): void {
    const node = cell.placedOn;
    if (node === undefined) return;
    const envelope = this.router.userEnvelope(cell.path, event, cell.senderOf(event));
    envelope.inc = cell.incarnation;
    envelope.seq = seq;
    if (!prompt) envelope.headers = { ...envelope.headers, [LAZY_REPORT_HEADER]: '1' };
    this.router.send(node, envelope);
  }

  released(cell: RemoteChildCell): void {
    this.cancelPlacement(cell);
    this.proxies.delete(cell);
    this.advertised.delete(cell.path);
  }

  /**
   * Node `to` sent a message for `path` through this node: when that is a remote child running
   * elsewhere, tell `to` where (once per incarnation), so it sends there directly and this node
   * stops carrying the bytes. The guarantees stay: the host acks a direct message only once
   * processed (a dead host's queue is drained to this node) and hands back to this node what an
   * incarnation leaves unprocessed, which this cell then gives the next one. The host acks a
   * direct message only once what its processing sent is confirmed (see `HostSide.direct`), so a
   * host killed in between loses none of that output. Not for durable children: this cell stamps
   * their message ids, which makes them effectively once.
   */
  advertise(path: string, to: string): void {
    if (!this.direct) return;
    const cell = this.router.proxyAt(path);
    if (cell === undefined || cell.placedOn === undefined || cell.status !== 'running' || cell.durable !== undefined) return;
    let told = this.advertised.get(path);
    if (told?.get(to) === cell.incarnation) return;
    if (told === undefined) this.advertised.set(path, (told = new Map()));
    told.set(to, cell.incarnation);
    this.router.sendProtocol(to, { op: 'route', from: this.node, path, node: cell.placedOn, inc: cell.incarnation });
  }

  // --- what hosts report ---------------------------------------------------------------------

  exited(message: ProtocolOp<'exit'>): void {
    // A host shutting down said so: nothing more is placed on it until it comes up again.
    if (!message.exit.normal && message.exit.error.code === 'SYSTEM_SHUTDOWN' && message.from !== this.node) this.leaving.add(message.from);
    const exit: Exit = message.exit.normal
      ? { outcome: 'normal', output: this.router.revive(message.exit.output) }
      : { outcome: 'crash', error: fromWireError(message.exit.error, message.from) };
    this.router.proxyAt(message.path)?.remoteExited(message.inc, message.processed, exit);
  }

  stopped(message: ProtocolOp<'stopped'>): void {
    this.router.proxyAt(message.path)?.remoteStopped(message.inc, message.processed);
  }

  processed(message: ProtocolOp<'processed'>): void {
    this.router.proxyAt(message.path)?.onProcessed(message.inc, message.processed);
  }

  // --- membership and failures ---------------------------------------------------------------

  /** A node came up: children waiting for one may now be placed. */
  nodeUp(info: NodeInfo): void {
    this.leaving.delete(info.node);
    for (const cell of [...this.waiting.keys()]) {
      const node = this.place(cell.kind, cell.candidates);
      if (node === undefined) continue;
      this.cancelPlacement(cell);
      cell.placed(node);
    }
  }

  /** A node went down: the children it ran for this node crash with `NODE_DOWN`. */
  nodeDown(node: string): void {
    this.leaving.delete(node);
    for (const told of this.advertised.values()) told.delete(node);
    for (const proxy of [...this.proxies]) proxy.hostDown(node);
  }

  /** A `spawn` or `stop` that could not be sent: the incarnation failed to start, or is gone. */
  undeliverable(message: ProtocolOp<'spawn'> | ProtocolOp<'stop'>, error: ArborError): void {
    if (message.op === 'spawn') this.router.proxyAt(message.path)?.remoteExited(message.inc, 0, { outcome: 'crash', error });
    else this.router.proxyAt(message.path)?.remoteStopped(message.inc, 0);
  }

  /** A forward that could not be sent. */
  forwardFailed(envelope: Envelope & { inc: number; seq: number }, error: ArborError): void {
    this.router.proxyAt(envelope.to)?.forwardFailed(envelope.inc, envelope.seq, error);
  }
}

/**
 * True when the transport can reach nodes other than this one. Only the embedded in-memory
 * transport cannot; it is the one transport the distribution layer knows by name.
 */
function reachesOtherNodes(system: ActorSystem): boolean {
  return system.transport.name !== 'in-memory';
}
