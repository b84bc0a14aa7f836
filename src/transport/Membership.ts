/**
 * Who is alive, from heartbeats. Each node beats every `heartbeat` ms; a peer is up from its first
 * beat and down when its failure detector says its silence has lasted too long (φ accrual by
 * default, see `FailureDetector.ts`), at once when it says goodbye, and at once when the broker
 * saw its connection close ({@link closed}, reported by `Presence.ts`).
 * All timing goes through the injected {@link Clock}, so a test drives it with a `SimulatedClock`.
 *
 * A peer whose beat carries a new `incarnation` restarted without us noticing the gap: it is
 * reported down and up again, because whatever ran on the old incarnation is gone.
 *
 * Silence means something only while this node can hear: while it cannot (`listening()` is false,
 * e.g. its broker connection is down, as in a broker restart) no peer is declared down, and when it
 * hears again {@link refresh} gives every peer a fresh silence limit to be heard in. Otherwise
 * every node would take every other for dead during a broker outage, and restart and drain them.
 */
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { NodeInfo } from '../runtime/transport.js';
import { PhiAccrualDetector, type FailureDetector } from './FailureDetector.js';

/** What a heartbeat says. */
export interface Heartbeat {
  node: string;
  kinds: readonly string[];
  /** The cluster singletons the node joined (absent: none). */
  singletons?: readonly string[];
  /** The work pools the node serves, each with its prefetch (absent: none). */
  pools?: Readonly<Record<string, number>>;
  startedAt: number;
  /** Random per process start; tells a restarted node from the one before it. */
  incarnation: string;
}

/** How {@link Membership} is wired. */
export interface MembershipOptions {
  /** This node; its own beats (which come back through the broker) are ignored. */
  self: string;
  clock: Clock;
  /** Beat period in ms. */
  heartbeat: number;
  /** A failure detector for each peer. @default a {@link PhiAccrualDetector} with its defaults for `heartbeat` */
  detector?: (node: string) => FailureDetector;
  /** Whether this node can hear beats now (its broker connection is up). @default always */
  listening?: () => boolean;
  onUp(info: NodeInfo): void;
  onDown(node: string, reason: DownReason): void;
}

/** Why a peer is down: silent too long, said goodbye, came back as a new process, or its broker connection closed. */
export type DownReason = 'silent' | 'bye' | 'restarted' | 'closed';

interface Peer {
  info: NodeInfo;
  pools: Readonly<Record<string, number>> | undefined;
  incarnation: string;
  deadline: TimerHandle;
  detector: FailureDetector;
}

/** Tracks live peers and this node's own beat. */
export class Membership {
  private readonly peers = new Map<string, Peer>();
  /**
   * The singletons some peer said (in a beat) it joined, kept after that peer goes down until one
   * ends: a singleton outlives the node that told us of it (its queue waits for the next owner).
   */
  private readonly singletonIds = new Set<string>();
  private beatTimer: TimerHandle | undefined;
  private beating = false;
  private readonly detector: (node: string) => FailureDetector;

  constructor(private readonly options: MembershipOptions) {
    this.detector = options.detector ?? (() => new PhiAccrualDetector({ heartbeat: options.heartbeat }));
  }

  /** Calls `beat` now and then every `heartbeat` ms until {@link stopBeating}. */
  startBeating(beat: () => void): void {
    if (this.beating) return;
    this.beating = true;
    const { clock, heartbeat } = this.options;
    const tick = (): void => {
      if (!this.beating) return;
      // Re-arm before beating so a throwing beat cannot stop the rhythm.
      this.beatTimer = clock.setTimeout(tick, heartbeat);
      beat();
    };
    tick();
  }

  /** Stops this node's own beat (peers will see it go silent). */
  stopBeating(): void {
    this.beating = false;
    if (this.beatTimer !== undefined) this.options.clock.clearTimeout(this.beatTimer);
    this.beatTimer = undefined;
  }

  /** A heartbeat arrived. */
  heard(hb: Heartbeat): void {
    if (hb.node === this.options.self) return;
    const { clock } = this.options;
    const known = this.peers.get(hb.node);
    if (known && known.incarnation !== hb.incarnation) this.down(hb.node, 'restarted');
    const peer = this.peers.get(hb.node);
    if (hb.singletons) for (const id of hb.singletons) this.singletonIds.add(id);
    const info: NodeInfo = { node: hb.node, kinds: [...hb.kinds], lastSeen: clock.now(), ...(hb.singletons?.length ? { singletons: [...hb.singletons] } : {}) };
    if (peer) {
      clock.clearTimeout(peer.deadline);
      peer.info = info;
      peer.pools = hb.pools;
      peer.detector.heartbeat(info.lastSeen);
      peer.deadline = this.armDeadline(hb.node, peer.detector);
      return;
    }
    const detector = this.detector(hb.node);
    detector.heartbeat(info.lastSeen);
    this.peers.set(hb.node, { info, pools: hb.pools, incarnation: hb.incarnation, detector, deadline: this.armDeadline(hb.node, detector) });
    this.options.onUp(copyInfo(info));
  }

  /** A peer announced it is leaving. A goodbye from an older incarnation is ignored. */
  bye(node: string, incarnation: string): void {
    const peer = this.peers.get(node);
    if (peer && peer.incarnation === incarnation) this.down(node, 'bye');
  }

  /**
   * The broker saw the connection of `node`'s process `incarnation` close (it crashed, was killed,
   * or lost the broker): down at once, without waiting out the detector. An older incarnation's
   * closing is ignored.
   */
  closed(node: string, incarnation: string): void {
    const peer = this.peers.get(node);
    if (peer && peer.incarnation === incarnation) this.down(node, 'closed');
  }

  /** The incarnation of live peer `node`, if it is one. */
  incarnationOf(node: string): string | undefined {
    return this.peers.get(node)?.incarnation;
  }

  /** True when `node` is a live peer. */
  isUp(node: string): boolean {
    return this.peers.has(node);
  }

  /** Whether a peer said it joined the singleton `id` (since this node started, and it has not ended). */
  heardOfSingleton(id: string): boolean {
    return this.singletonIds.has(id);
  }

  /** The singleton `id` ended: no longer reachable by its id. */
  forgetSingleton(id: string): void {
    this.singletonIds.delete(id);
  }

  /** The smallest prefetch of the live peers that said they serve the pool `kind` (undefined: none did). */
  poolPrefetch(kind: string): number | undefined {
    let least: number | undefined;
    for (const peer of this.peers.values()) {
      const prefetch = peer.pools?.[kind];
      if (prefetch !== undefined && (least === undefined || prefetch < least)) least = prefetch;
    }
    return least;
  }

  /** Whether `node` is a live peer. */
  has(node: string): boolean {
    return this.peers.has(node);
  }

  /** The live peers (not this node). */
  nodes(): NodeInfo[] {
    return [...this.peers.values()].map((p) => copyInfo(p.info));
  }

  /** This node can hear again (reconnected): every peer gets a fresh silence limit, from now, to be heard in. */
  refresh(): void {
    for (const [node, peer] of this.peers) {
      this.options.clock.clearTimeout(peer.deadline);
      peer.deadline = this.armDeadline(node, peer.detector);
    }
  }

  /** Stops beating and forgets every peer, without reporting anyone down. */
  stop(): void {
    this.stopBeating();
    for (const peer of this.peers.values()) this.options.clock.clearTimeout(peer.deadline);
    this.peers.clear();
  }

  private armDeadline(node: string, detector: FailureDetector): TimerHandle {
    return this.options.clock.setTimeout(() => {
      const peer = this.peers.get(node);
      if (peer && this.options.listening && !this.options.listening()) peer.deadline = this.armDeadline(node, detector);
      else this.down(node, 'silent');
    }, detector.silenceLimit());
  }

  private down(node: string, reason: DownReason): void {
    const peer = this.peers.get(node);
    if (!peer) return;
    this.options.clock.clearTimeout(peer.deadline);
    this.peers.delete(node);
    this.options.onDown(node, reason);
  }
}

function copyInfo(info: NodeInfo): NodeInfo {
  return { ...info, kinds: [...info.kinds], ...(info.singletons ? { singletons: [...info.singletons] } : {}) };
}
