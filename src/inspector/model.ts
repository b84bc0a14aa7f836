/**
 * What the page shows, kept on the server: the rows of the cluster's trees, the nodes, metric
 * samples, recent dead letters and restarts. One loop asks the cluster for its status every
 * `interval` ms (never two at once) and hands each subscriber the diff, so the update rate is
 * bounded by the interval whatever the number of actors or of open pages.
 */
import type { ClusterStatus } from '../runtime/node-status.js';
import type { DeadLetter, SystemEvents } from '../runtime/system-events.js';
import type { ActorDetail } from '../runtime/actor-detail.js';
import type { NodeInfo } from '../runtime/transport.js';
import { jsonText } from '../runtime/actor-detail.js';
import { toError } from '../runtime/errors.js';
import { diffRows, isEmptyDiff, type RowDiff } from './diff.js';
import type { ResolvedInspectorOptions } from './options.js';
import { statusRows, type Row } from './rows.js';

/** What the inspector needs of a system: the public `System` has all of it. */
export interface InspectedSystem {
  readonly node: string;
  readonly logger: { warn(obj: object, msg: string): void };
  clusterStatus(options?: { timeout?: number }): Promise<ClusterStatus>;
  actorDetail(path: string, options?: { node?: string; timeout?: number }): Promise<ActorDetail | undefined>;
  on<K extends keyof SystemEvents>(name: K, listener: (value: SystemEvents[K]) => void): () => void;
}

/** A node on the page. */
export interface NodeView {
  node: string;
  kinds: string[];
  lastSeen: number;
  up: boolean;
  actors: number;
  processed?: number;
  deadLetters?: number;
}

/** One metrics sample per tick. */
export interface MetricSample {
  at: number;
  /** Messages processed per second across the cluster since the previous sample. */
  rate: number;
  restarts: number;
  deadLetters: number;
  /** Queued user messages across all actors, and in the fullest mailbox. */
  mailboxTotal: number;
  mailboxMax: number;
}

/** A dead letter on the page. */
export interface DeadLetterView {
  at: number;
  /** The node where it was dead-lettered. */
  node: string;
  recipient: string;
  type: string;
  code: string;
  reason: string;
  event: string;
}

/** What a subscriber (one open page) receives. */
export type ModelEvent =
  | { name: 'tree'; data: RowDiff }
  | { name: 'nodes'; data: NodeView[] }
  | { name: 'metrics'; data: MetricSample }
  | { name: 'deadLetter'; data: DeadLetterView };

const SAMPLES = 120;
const DEAD_LETTERS = 200;

export class InspectorModel {
  rows = new Map<string, Row>();
  nodes: NodeView[] = [];
  readonly samples: MetricSample[] = [];
  readonly deadLetters: DeadLetterView[] = [];
  private readonly subscribers = new Set<(event: ModelEvent) => void>();
  private readonly stops: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastProcessed: { at: number; total: number } | undefined;
  private localDeadLetters = 0;
  /** Dead letters already listed, by node, time, recipient and code (other nodes repeat theirs each tick). */
  private readonly seenDead = new Set<string>();
  private ready: Promise<void>;

  constructor(
    private readonly system: InspectedSystem,
    private readonly options: ResolvedInspectorOptions,
  ) {
    this.stops.push(system.on('deadLetter', (d) => this.deadLetter(d)));
    this.ready = this.tick();
  }

  /** Resolves once the first status is in. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  subscribe(fn: (event: ModelEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const stop of this.stops) stop();
    this.subscribers.clear();
  }

  private emit(event: ModelEvent): void {
    for (const fn of this.subscribers) {
      try {
        fn(event);
      } catch (err) {
        this.system.logger.warn({ err: toError(err).message }, 'inspector subscriber failed');
      }
    }
  }

  private async tick(): Promise<void> {
    try {
      this.update(await this.system.clusterStatus({ timeout: this.options.timeout }), Date.now());
    } catch (err) {
      this.system.logger.warn({ err: toError(err).message }, 'inspector could not read the cluster status');
    }
    if (!this.closed) this.timer = setTimeout(() => void this.tick(), this.options.interval);
  }

  private withoutObservers(status: ClusterStatus): ClusterStatus {
    const prefix = this.options.observerPrefix;
    const keep = (node: string) => node === this.system.node || prefix === '' || !node.startsWith(prefix);
    const self = this.system.node;
    // The observer itself hosts nothing; it is left out unless it is the system being inspected.
    const isObserver = (node: string) => node === self && prefix !== '' && self.startsWith(prefix);
    return {
      nodes: status.nodes.filter((n) => keep(n.node) && !isObserver(n.node)),
      trees: status.trees.filter((t) => keep(t.node) && !isObserver(t.node)),
      unreachable: status.unreachable.filter(keep),
    };
  }

  /** @internal Takes a new status (the loop calls it; tests too). */
  update(raw: ClusterStatus, now: number): void {
    const status = this.withoutObservers(raw);
    const rows = statusRows(status);
    const diff = diffRows(this.rows, rows);
    this.rows = rows;
    if (!isEmptyDiff(diff)) this.emit({ name: 'tree', data: diff });
    this.remoteDeadLetters(status);
    this.nodes = nodeViews(status.nodes, status, rows);
    this.emit({ name: 'nodes', data: this.nodes });
    const sample = this.sample(status, rows, now);
    this.samples.push(sample);
    if (this.samples.length > SAMPLES) this.samples.shift();
    this.emit({ name: 'metrics', data: sample });
  }

  private sample(status: ClusterStatus, rows: ReadonlyMap<string, Row>, now: number): MetricSample {
    let restarts = 0;
    let mailboxTotal = 0;
    let mailboxMax = 0;
    for (const row of rows.values()) {
      restarts += row.restarts ?? 0;
      const depth = row.mailbox?.depth ?? 0;
      mailboxTotal += depth;
      if (depth > mailboxMax) mailboxMax = depth;
    }
    let total = 0;
    let deadLetters = 0;
    let counted = false;
    for (const tree of status.trees) {
      total += tree.processed ?? 0;
      if (tree.deadLetters !== undefined) {
        deadLetters += tree.deadLetters;
        counted = true;
      }
    }
    const last = this.lastProcessed;
    const rate = last && now > last.at ? Math.max(0, ((total - last.total) * 1000) / (now - last.at)) : 0;
    this.lastProcessed = { at: now, total };
    return { at: now, rate: Math.round(rate), restarts, deadLetters: counted ? deadLetters : this.localDeadLetters, mailboxTotal, mailboxMax };
  }

  /** This node's dead letters come from its events; other nodes' from their status. */
  private remoteDeadLetters(status: ClusterStatus): void {
    for (const tree of status.trees) {
      if (tree.node === this.system.node) continue;
      for (const note of tree.recentDeadLetters ?? []) this.addDeadLetter({ ...note, node: tree.node, event: note.type });
    }
  }

  private deadLetter(d: DeadLetter): void {
    this.localDeadLetters++;
    const type = (d.event as { type?: unknown } | null)?.type;
    this.addDeadLetter({
      at: d.at,
      node: this.system.node,
      recipient: d.recipient,
      type: typeof type === 'string' ? type : typeof d.event,
      code: d.reason.code,
      reason: d.reason.message,
      event: jsonText(d.event, 512),
    });
  }

  private addDeadLetter(view: DeadLetterView): void {
    const key = `${view.node}|${view.at}|${view.recipient}|${view.code}`;
    if (this.seenDead.has(key)) return;
    this.seenDead.add(key);
    // Forget keys the nodes no longer repeat: they keep their last 20, so a few thousand is plenty.
    if (this.seenDead.size > 5000) this.seenDead.delete(this.seenDead.values().next().value as string);
    this.deadLetters.push(view);
    if (this.deadLetters.length > DEAD_LETTERS) this.deadLetters.shift();
    this.emit({ name: 'deadLetter', data: view });
  }
}

function nodeViews(infos: readonly NodeInfo[], status: ClusterStatus, rows: ReadonlyMap<string, Row>): NodeView[] {
  const actors = new Map<string, number>();
  for (const row of rows.values()) actors.set(row.node, (actors.get(row.node) ?? 0) + 1);
  const trees = new Map(status.trees.map((t) => [t.node, t] as const));
  return infos
    .map((info) => {
      const tree = trees.get(info.node);
      const view: NodeView = { node: info.node, kinds: info.kinds, lastSeen: info.lastSeen, up: !status.unreachable.includes(info.node), actors: actors.get(info.node) ?? 0 };
      if (tree?.processed !== undefined) view.processed = tree.processed;
      if (tree?.deadLetters !== undefined) view.deadLetters = tree.deadLetters;
      return view;
    })
    .sort((a, b) => a.node.localeCompare(b.node));
}
