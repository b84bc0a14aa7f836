/**
 * A {@link StateStore} in memory for the group-commit tests: it records every batch it is given,
 * can hold a batch in flight for a few turns, fail chosen batches, and checks that batches never
 * overlap. Only `commit` and `load` are used by the committer; the rest are not implemented.
 */
import { ArborError } from '../../src/runtime/errors.js';
import type { ChangeResult, StateChange, StateStore, StoredState } from '../../src/store/StateStore.js';

export class RecordingStore implements StateStore {
  readonly kind = 'recording';
  readonly location = 'memory';
  readonly batches: StateChange[][] = [];
  /** Changes whose batch the store has made durable (resolved). */
  readonly durable = new Set<StateChange>();
  readonly data = new Map<string, { value: unknown; revision: number }>();
  inFlight = 0;
  overlapped = false;

  constructor(
    /** Turns (`setImmediate`s) each batch stays in flight: batch number → turns. */
    private readonly delay: (batch: number) => number = () => 0,
    /** Whether batch number `n` fails as a whole. */
    private readonly fails: (batch: number) => boolean = () => false,
  ) {}

  async commit(changes: readonly StateChange[]): Promise<ChangeResult[]> {
    const n = this.batches.length;
    this.batches.push([...changes]);
    if (this.inFlight > 0) this.overlapped = true;
    this.inFlight++;
    try {
      for (let i = this.delay(n); i > 0; i--) await new Promise((resolve) => setImmediate(resolve));
      if (this.fails(n)) throw new ArborError('STORE_ERROR', `batch ${n} failed`, {});
      return changes.map((change) => {
        this.durable.add(change);
        if (change.op === 'delete') {
          this.data.delete(change.path);
          return { ok: true, path: change.path, revision: 0 };
        }
        const revision = (this.data.get(change.record.path)?.revision ?? 0) + 1;
        this.data.set(change.record.path, { value: change.record.snapshot, revision });
        return { ok: true, path: change.record.path, revision };
      });
    } finally {
      this.inFlight--;
    }
  }

  async load(path: string): Promise<StoredState | undefined> {
    const entry = this.data.get(path);
    if (!entry) return undefined;
    return { path, machine: { id: 'm', version: '1' }, snapshot: entry.value as never, timers: [], revision: entry.revision, updatedAt: 0, recentMessageIds: [] };
  }

  hasProcessed(): Promise<boolean> {
    return notUsed();
  }
  delete(): Promise<boolean> {
    return notUsed();
  }
  list(): Promise<never> {
    return notUsed();
  }
  acquireLease(): Promise<never> {
    return notUsed();
  }
  renewLease(): Promise<never> {
    return notUsed();
  }
  releaseLease(): Promise<void> {
    return notUsed();
  }
  readLease(): Promise<never> {
    return notUsed();
  }
  async close(): Promise<void> {}
}

function notUsed(): Promise<never> {
  return Promise.reject(new Error('not used by the group committer'));
}
