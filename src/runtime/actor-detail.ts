/**
 * What the inspector shows of one actor (`system.actorDetail(path)`): more than a tree row, and
 * always plain data with bounded size, because it may travel to another node. Values that might
 * be large (an actor's context, its recent events) are JSON text cut at a fixed length.
 */

/** One actor in detail. */
export interface ActorDetail {
  path: string;
  /** The node that runs it. */
  node: string;
  type: 'supervisor' | 'worker' | 'remote';
  status: string;
  /** Its current state value, as text (`'paid'`, `'shipping.packed'`, JSON for parallel states). */
  state?: string;
  /** The ids of its active state nodes, the ones a diagram highlights. */
  activeStates?: string[];
  /** Its context (or a supervisor's children and results) as JSON, cut at {@link DETAIL_TEXT_LIMIT}. */
  context?: string;
  mailbox: MailboxStats;
  restarts: number;
  /** The user events it processed last, newest last, each as JSON cut at {@link EVENT_TEXT_LIMIT}. */
  recentEvents: string[];
  /** Graphviz DOT text of its machine, when the node that runs it can draw one. */
  dot?: string;
}

/** A mailbox at a glance. */
export interface MailboxStats {
  /** User messages queued. */
  depth: number;
  /**
   * How long (ms) the oldest queued message has waited, at least: exact while the actor has taken
   * nothing since that message arrived (a stuck actor), a lower bound while it is draining. 0 when empty.
   */
  oldestAge: number;
}

/** How much of a context a detail carries. */
export const DETAIL_TEXT_LIMIT = 16_384;
/** How much of each recent event a detail carries. */
export const EVENT_TEXT_LIMIT = 512;

/**
 * `value` as JSON, at most `limit` characters (cut text ends with `…`). Never throws: cycles,
 * bigints and functions become markers, and a value whose `toJSON` throws is described instead.
 */
export function jsonText(value: unknown, limit: number): string {
  let text: string;
  try {
    const seen = new WeakSet<object>();
    text =
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return `${v}n`;
        if (typeof v === 'function') return '[function]';
        if (typeof v === 'symbol') return v.toString();
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
          // Refs and actors are large object graphs; their path says all that matters here.
          const path = (v as { path?: unknown }).path;
          if (typeof path === 'string' && typeof (v as { send?: unknown }).send === 'function') return { $ref: path };
        }
        return v;
      }) ?? 'undefined';
  } catch (err) {
    text = `[not serialisable: ${err instanceof Error ? err.message : String(err)}]`;
  }
  return text.length > limit ? text.slice(0, Math.max(0, limit - 1)) + '…' : text;
}

/** A state value as text: `'a'`, `'a.b'` for one nested path, JSON otherwise. */
export function stateValueText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const parts: string[] = [];
  let v: unknown = value;
  while (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v);
    if (keys.length !== 1) return jsonText(value, 256);
    const key = keys[0] as string;
    parts.push(key);
    v = (v as Record<string, unknown>)[key];
  }
  if (typeof v === 'string') parts.push(v);
  return parts.join('.');
}
