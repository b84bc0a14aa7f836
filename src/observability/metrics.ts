/**
 * Prometheus metrics of one system (`createSystem({ metrics: true })`), on a registry of its own
 * with the label `node`. prom-client is loaded only here, and only when metrics are asked for.
 *
 * Label cardinality is bounded by the code, never by the traffic: per-actor figures are labelled
 * by the actor's logic (its XState machine id, see `logicLabel`), so a thousand dynamic children
 * of one machine are one series, summed (depth) or maxed (oldest age); dead letters by reason code;
 * broker queues by queue name (one per node and per pool). No label holds a path, a message id or
 * a correlation id.
 *
 * Broker figures come from the management API (with unacknowledged counts) or else passive
 * declares, at most once per `brokerPollInterval` however often `/metrics` is scraped; between
 * polls the last answer is served.
 */
import type * as PromClient from 'prom-client';
import type { Counter, Histogram, Registry } from 'prom-client';
import type { ActorSystem } from '../runtime/actor-system.js';
import type { Cell } from '../runtime/cell.js';
import type { Meter } from '../runtime/meter.js';
import type { QueueStats } from '../runtime/transport.js';

type Prom = typeof PromClient;

/** Sets one gauge series. */
type Set = (labels: Record<string, string>, value: number) => void;

/** Processing-time buckets for agent work: a millisecond to ten minutes (seconds). */
export const PROCESSING_SECONDS_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Options of {@link SystemMetrics}. */
export interface MetricsOptions {
  /** Least time between two rounds of passive declares for the broker-queue gauges (ms). @default 5000 */
  brokerPollInterval?: number;
}

/** The metrics of one system; also its {@link Meter}. */
export class SystemMetrics implements Meter {
  readonly registry: Registry;
  private readonly processedTotal: Counter<'logic'>;
  private readonly processingSeconds: Histogram<'logic'>;
  private readonly deadLettersTotal: Counter<'code'>;
  private readonly restartsTotal: Counter;
  private system: ActorSystem | undefined;
  private brokerPoll: { at: number; stats: Promise<QueueStats[]> } | undefined;
  private readonly pollInterval: number;

  /** Loads prom-client (a dynamic import: a system without metrics never loads it). */
  static async load(options: MetricsOptions = {}): Promise<SystemMetrics> {
    const prom = (await import('prom-client')) as Prom & { default?: Prom };
    return new SystemMetrics(prom.default ?? prom, options);
  }

  private constructor(prom: Prom, options: MetricsOptions) {
    this.pollInterval = options.brokerPollInterval ?? 5000;
    const registers = [(this.registry = new prom.Registry())];
    this.processedTotal = new prom.Counter({ name: 'arbor_messages_processed_total', help: 'User messages processed, by actor logic', labelNames: ['logic'], registers });
    this.processingSeconds = new prom.Histogram({
      name: 'arbor_message_processing_seconds',
      help: 'Time to process one user message, by actor logic',
      labelNames: ['logic'],
      buckets: [...PROCESSING_SECONDS_BUCKETS],
      registers,
    });
    this.deadLettersTotal = new prom.Counter({ name: 'arbor_dead_letters_total', help: 'Messages dead-lettered on this node, by reason code', labelNames: ['code'], registers });
    this.restartsTotal = new prom.Counter({ name: 'arbor_restarts_total', help: 'Child restarts by supervisors of this node', registers });
    const gauge = (name: string, help: string, labelNames: string[], fill: (set: Set) => void | Promise<void>) =>
      new prom.Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          this.reset();
          await fill((labels, value) => this.set(labels, value));
        },
      });
    gauge('arbor_actors', 'Live actors on this node, by logic', ['logic'], (set) => {
      for (const [logic, n] of this.perLogic((cell) => (cell.status === 'stopped' ? 0 : 1), (x, y) => x + y)) set({ logic }, n);
    });
    gauge('arbor_mailbox_depth', 'Queued user messages, summed over the actors of each logic', ['logic'], (set) => {
      for (const [logic, n] of this.perLogic((cell) => cell.mailbox.user.size, (x, y) => x + y)) set({ logic }, n);
    });
    gauge('arbor_mailbox_oldest_message_age_seconds', 'How long the oldest queued user message has waited, the most over the actors of each logic', ['logic'], (set) => {
      const now = this.system?.clock.now() ?? 0;
      for (const [logic, ms] of this.perLogic((cell) => cell.oldestQueuedAge(now), Math.max)) set({ logic }, ms / 1000);
    });
    gauge('arbor_broker_queue_messages', 'Messages ready in the broker queue of each node and pool', ['queue', 'role'], async (set) => {
      for (const s of await this.brokerStats()) set({ queue: s.queue, role: s.role }, s.messages);
    });
    gauge('arbor_broker_queue_messages_unacknowledged', 'Messages delivered from the broker queue of each node and pool and not yet acknowledged (management API only)', ['queue', 'role'], async (set) => {
      for (const s of await this.brokerStats()) if (s.unacked !== undefined) set({ queue: s.queue, role: s.role }, s.unacked);
    });
    gauge('arbor_broker_queue_consumers', 'Consumers of the broker queue of each node and pool', ['queue', 'role'], async (set) => {
      for (const s of await this.brokerStats()) set({ queue: s.queue, role: s.role }, s.consumers);
    });
  }

  /** Starts watching `system`: gauges read its cells at scrape time; dead letters and restarts are counted as they happen. */
  attach(system: ActorSystem): void {
    this.system = system;
    this.registry.setDefaultLabels({ node: system.node });
    system.on('deadLetter', (d) => this.deadLettersTotal.inc({ code: d.reason.code }));
    system.on('report', (r) => {
      if (r.kind === 'child_restarted') this.restartsTotal.inc();
    });
  }

  processed(logic: string, seconds: number): void {
    this.processedTotal.inc({ logic });
    this.processingSeconds.observe({ logic }, seconds);
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link metrics}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private perLogic(value: (cell: Cell) => number, combine: (a: number, b: number) => number): Map<string, number> {
    const out = new Map<string, number>();
    if (!this.system) return out;
    for (const cell of this.system._cells()) {
      const logic = cell._metricsLabel ?? 'actor';
      const v = value(cell);
      out.set(logic, out.has(logic) ? combine(out.get(logic) as number, v) : v);
    }
    return out;
  }

  private brokerStats(): Promise<QueueStats[]> {
    const transport = this.system?.transport;
    if (!transport?.queueStats) return Promise.resolve([]);
    const now = Date.now();
    if (!this.brokerPoll || now - this.brokerPoll.at >= this.pollInterval) {
      const stats = transport.queueStats().catch((err: unknown) => {
        this.system?.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'broker queue stats unavailable');
        return [];
      });
      this.brokerPoll = { at: now, stats };
    }
    return this.brokerPoll.stats;
  }
}
