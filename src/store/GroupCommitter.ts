/**
 * Group commit in front of any {@link StateStore}: the commits many actors ask for in one turn of
 * the event loop go to the store as one batch (one transaction, one fsync), so durability costs
 * throughput sub-linearly in the number of actors.
 *
 * The first commit of a turn schedules a flush with `setImmediate`, which runs after every
 * callback and microtask of the current turn, so everything asked for in that turn joins it.
 * While a batch is in flight the next one accumulates, and goes as soon as the store answers:
 * under load the batches grow by themselves with the store's latency. One batch at a time keeps
 * each path's commits in call order (the last write wins as called), and a caller's promise
 * settles only once its own batch is durable.
 */
import { checkChange } from './codec.js';
import { closedError, storeError } from './errors.js';
import { normalizeGroupCommitOptions, type GroupCommitOptions, type NormalizedGroupCommitOptions } from './options.js';
import type { StateChange, StateStore } from './StateStore.js';

interface Pending {
  change: StateChange;
  resolve: (revision: number) => void;
  reject: (error: Error) => void;
}

/** Counters of a {@link GroupCommitter}, for tests and benchmarks. */
export interface GroupCommitStats {
  /** Batches sent to the store. */
  batches: number;
  /** Changes sent to the store in them. */
  changes: number;
  /** The largest batch so far. */
  largest: number;
}

/**
 * Batches commits per event-loop turn in front of `store`.
 *
 * @example
 * const committer = new GroupCommitter(localStore('.arbor/a'));
 * // 100 actors commit in the same turn: one transaction.
 * await Promise.all(actors.map((a) => committer.commit({ op: 'put', record: a.record() })));
 */
export class GroupCommitter {
  private readonly options: NormalizedGroupCommitOptions;
  private queue: Pending[] = [];
  private scheduled = false;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly counters: GroupCommitStats = { batches: 0, changes: 0, largest: 0 };

  constructor(
    readonly store: StateStore,
    options: GroupCommitOptions = {},
  ) {
    this.options = normalizeGroupCommitOptions(options);
  }

  /**
   * Queues `change` for the next batch; resolves with its revision once the batch holding it is
   * durable. Rejects with `FENCED` when its fence is stale, with `STORE_ERROR` when it is
   * malformed (at once, before it joins a batch) or the store failed the batch.
   */
  commit(change: StateChange): Promise<number> {
    if (this.closed) return Promise.reject(closedError(this.store.location));
    try {
      checkChange(change);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ change, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every commit asked for before this call has settled. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.running || this.scheduled) {
      if (!this.running) await new Promise<void>((resolve) => setImmediate(resolve));
      await this.running;
    }
  }

  /** Flushes, then refuses further commits. Does not close the store (the committer does not own it). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Commits not yet sent to the store. */
  get pending(): number {
    return this.queue.length;
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.drain().finally(() => {
        this.running = undefined;
        // Commits queued by callbacks of the last batch's promises start the next turn's batch.
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.counters.batches++;
      this.counters.changes += batch.length;
      this.counters.largest = Math.max(this.counters.largest, batch.length);
      try {
        const results = await this.store.commit(batch.map((p) => p.change));
        batch.forEach((p, i) => {
          const result = results[i];
          if (result?.ok) p.resolve(result.revision);
          else p.reject(result ? result.error : storeError(`${this.store.location} returned no result for change ${i} of a batch`, { location: this.store.location }));
        });
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
      }
    }
  }
}
