/**
 * Replay: each journalled event is sent again, in journal order, to the actor at the same
 * node-relative path (`root/w1` for `arbor://a/root/w1`) of a fresh system, so that deterministic
 * workers driven by those events reach the same states again.
 *
 * The journal holds every event a mailbox accepted, including the ones actors sent each other
 * (those entries name their sender in `from`). The replayed actors send those again themselves, so
 * by default only the events from outside the actors are re-sent (`all: true` re-sends every entry,
 * e.g. to drive actors whose partners are not part of the replay).
 */
import type { ActorRef } from '../runtime/ref.js';
import type { ArborEvent } from '../runtime/event.js';
import { SCHEME } from '../runtime/paths.js';
import { unsupported } from '../runtime/ref-features.js';
import { isGap, isStoredRef, type JournalRecord, type StoredEntry } from './record.js';

/** What replay needs of a system. */
export interface ReplayTarget {
  lookup(path: string): ActorRef | undefined;
  idle(): Promise<void>;
}

/** Options of {@link replayJournal}. */
export interface ReplayOptions {
  /** Replay only the events whose `correlationId` is this. */
  correlationId?: string;
  /**
   * Re-send the events actors sent each other too (entries with `from`), not only outside ones.
   * @default false
   */
  all?: boolean;
  /** Replay only the entries this returns true for (after `correlationId`). */
  filter?: (entry: StoredEntry) => boolean;
  /**
   * Wait for the system to go idle after each event, so actors see events interleaved as in the
   * original run rather than all at once.
   * @default true
   */
  settle?: boolean;
}

/** What a replay did. */
export interface ReplayResult {
  /** Events sent. */
  sent: number;
  /** Entries whose recipient does not exist in the target system. */
  skipped: { seq: number; to: string }[];
  /** Entries the journal itself had dropped (gap records), which could not be replayed. */
  missing: number;
  /** Replies actors sent to `replyTo` refs that exist only in the journal (e.g. asks of the original run). */
  replies: { to: string; event: ArborEvent }[];
}

/** The node-relative form of a path: `root/w1` for `arbor://a/root/w1`. */
export function relativePath(path: string): string {
  if (!path.startsWith(SCHEME)) return path.replace(/^\/+/, '');
  const rest = path.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? '' : rest.slice(slash + 1);
}

/**
 * Re-sends every journalled event of `records` to its recipient in `system`, in journal order.
 * Spawn the same root actors in `system` first. Refs inside events (`{ "$ref": path }`) become the
 * target system's actor at that path when there is one, otherwise a ref that records replies.
 *
 * @example
 * const fresh = await createSystem();
 * fresh.spawn(app, { id: 'root' });
 * await replayJournal(readJournal('journal.jsonl'), fresh);
 */
export async function replayJournal(
  records: AsyncIterable<JournalRecord> | Iterable<JournalRecord>,
  system: ReplayTarget,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const result: ReplayResult = { sent: 0, skipped: [], missing: 0, replies: [] };
  const settle = options.settle ?? true;
  for await (const record of records) {
    if (isGap(record)) {
      result.missing += record.gap.dropped;
      continue;
    }
    if (options.correlationId !== undefined && record.event['correlationId'] !== options.correlationId) continue;
    if (!options.all && record.from !== undefined) continue;
    if (options.filter && !options.filter(record)) continue;
    const path = relativePath(record.to);
    // A recipient started dynamically by an earlier event may not exist until that event is processed.
    let target = system.lookup(path);
    if (!target && !settle) {
      await system.idle();
      target = system.lookup(path);
    }
    if (!target) {
      result.skipped.push({ seq: record.seq, to: record.to });
      continue;
    }
    target.send(revive(record.event, system, result) as ArborEvent);
    result.sent++;
    if (settle) await system.idle();
  }
  if (!settle) await system.idle();
  return result;
}

function revive(value: unknown, system: ReplayTarget, result: ReplayResult): unknown {
  if (isStoredRef(value)) return system.lookup(relativePath(value.$ref)) ?? recordingRef(value.$ref, result);
  if (Array.isArray(value)) return value.map((item) => revive(item, system, result));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = revive(item, system, result);
    return out;
  }
  return value;
}

/** A stand-in for a ref of the original run (an ask's reply ref, say): it keeps what it is sent. */
function recordingRef(path: string, result: ReplayResult): ActorRef {
  const send = (event: ArborEvent): void => void result.replies.push({ to: path, event });
  const ref: ActorRef = {
    path,
    id: path.slice(path.lastIndexOf('/') + 1),
    send,
    _send: send,
    ask: () => Promise.reject(new Error(`${path} is a journalled ref: it cannot ask`)),
    result: () => new Promise<never>(() => undefined),
    getSnapshot: () => undefined,
    subscribe: () => {
      throw unsupported('subscribe', path, 'it is a journalled ref');
    },
    on: () => {
      throw unsupported('on', path, 'it is a journalled ref');
    },
    getPersistedSnapshot: () => {
      throw unsupported('getPersistedSnapshot', path, 'it is a journalled ref');
    },
    toJSON: () => ({ path }),
  };
  return ref;
}
