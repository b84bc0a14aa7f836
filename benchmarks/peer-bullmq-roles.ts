/**
 * What the processes of `peer-bullmq` share: the rows (how each side is wired), the processes of a
 * side, and what a process does for the runner. One process per role: the producer, which starts
 * workflows and sees them complete, and one per stage (`research`, `draft`, `review`; in the
 * fan-out row they are the four workers' hosts).
 */

/** How the Arbor stages are wired in a row; the BullMQ side is the same pipeline (or flow) each time. */
export type Row = 'placed' | 'direct' | 'pool' | 'chain' | 'chain-slip' | 'fanout';

export const ROWS: readonly Row[] = ['placed', 'direct', 'pool', 'chain', 'chain-slip', 'fanout'];

export const ROW_TITLES: Record<Row, string> = {
  placed: 'placed by a supervisor on the producer',
  direct: 'each node runs its stage, stages address each other directly',
  pool: 'work pools (servePool / poolRef)',
  chain: 'chain() on the producer asking placed stages',
  'chain-slip': 'chain() on the producer, ask stages to placed stages (a routing slip)',
  fanout: 'fan-out of 4 and gather (scatterGather vs FlowProducer)',
};

/** Who runs a side: Arbor, BullMQ, or bare rabbitmq-client (the floor under Arbor's latency: `./peer-bullmq-floor.ts`). */
export type Side = 'arbor' | 'bullmq' | 'floor';

export const SIDES: readonly Side[] = ['arbor', 'bullmq', 'floor'];

export type Role = 'producer' | 'research' | 'draft' | 'review';

export const STAGES: readonly Exclude<Role, 'producer'>[] = ['research', 'draft', 'review'];

/** Arbor node ids of the roles. */
export const NODE_OF: Record<Role, string> = { producer: 'p', research: 'r', draft: 'd', review: 'v' };

/** Where a process connects, passed as JSON in its first argument. */
export interface ProcessConfig {
  side: Side;
  role: Role;
  row: Row;
  /** Arbor: the cluster; BullMQ: the key prefix. */
  namespace: string;
  amqpUrl: string;
  redis: { host: string; port: number };
}

/** BullMQ worker concurrency (the best of a sweep). */
export const BULL_CONCURRENCY = 50;

/** Fan-out width. */
export const FAN = 4;

/** A command from the runner to a process; each gets one {@link Reply} with the same `seq`. */
export type Command =
  | { seq: number; op: 'wire' }
  | { seq: number; op: 'mark' }
  | { seq: number; op: 'stats' }
  | { seq: number; op: 'batch'; count: number }
  | { seq: number; op: 'sequential'; count: number }
  | { seq: number; op: 'stop' };

export type Reply =
  | { seq: number; ok: true; value?: unknown }
  | { seq: number; ok: false; error: string };

/** CPU since the last `mark`, and memory now. */
export interface ProcessStats {
  cpuMs: number;
  rss: number;
}

/** What a role does: every role is wired and stopped; the producer also runs workflows. */
export interface RoleHandle {
  /** Connects this role to the others (all processes of the side are up). */
  wire(): Promise<void>;
  /** Producer: starts `count` workflows at once; resolves with the ms until all completed. */
  batch?(count: number): Promise<number>;
  /** Producer: `count` workflows one after the other; resolves with each one's ms. */
  sequential?(count: number): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * The producer's bookkeeping: when each workflow started, and who waits for which to complete.
 * A side's `start(id)` begins workflow `id` and something calls {@link Workflows.done} once it
 * completed (a sink actor, a `done` queue worker, a result promise).
 */
export class Workflows {
  private nextId = 0;
  private waiting = new Map<number, () => void>();
  private remaining = 0;
  private allDone: (() => void) | undefined;

  constructor(private readonly start: (id: number) => void) {}

  done = (id: number): void => {
    const resolve = this.waiting.get(id);
    if (!resolve) return; // a duplicate (at-least-once delivery) or a warm-up straggler
    this.waiting.delete(id);
    resolve();
  };

  async batch(count: number): Promise<number> {
    const t0 = performance.now();
    this.remaining = count;
    const finished = new Promise<void>((resolve) => (this.allDone = resolve));
    for (let i = 0; i < count; i++) {
      const id = this.nextId++;
      this.waiting.set(id, () => {
        if (--this.remaining === 0) this.allDone?.();
      });
      this.start(id);
    }
    await finished;
    return performance.now() - t0;
  }

  async sequential(count: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.nextId++;
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        this.waiting.set(id, resolve);
        this.start(id);
      });
      out.push(performance.now() - t0);
    }
    return out;
  }
}
