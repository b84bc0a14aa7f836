/**
 * Exchanges, queues and routing keys of one cluster. Everything a cluster owns on the broker is
 * named `arbor.<cluster>...`, so a cluster can be inspected or removed by prefix.
 *
 * Exchanges
 * - `arbor.<cluster>` (topic, durable): all traffic.
 * - `arbor.<cluster>.retry` (headers, durable): parks envelopes that are to be retried; each
 *   delay tier queue is bound with `arbor-delay = <ms>` (not `x-`: a headers exchange ignores
 *   `x-` headers when matching, so every tier would match).
 *
 * Routing keys on `arbor.<cluster>` (each `<word>` encoded by {@link encodeKeyWord}):
 * - `node.<node>.msg.<eventType>`   a user envelope for an actor on `<node>`
 * - `node.<node>.sys`               a system envelope for the runtime on `<node>`
 * - `ctl.<node>`                    a control envelope for the runtime on `<node>` (reports,
 *                                    requests, replies: see `Transport.sendControl`)
 * - `pool.<kind>`                   work for any node that consumes the `<kind>` pool
 * - `singleton.<id>`                a user envelope for the cluster singleton `<id>` (any path below it)
 * - `hb.<node>` / `bye.<node>`      heartbeats and goodbyes
 * - `dead.<node>`                   an envelope `<node>` gave up on (to the dead-letter queue)
 * - `evt.<w1>.<w2>...`               a choreography event published by type (`research.done` →
 *                                    `evt.research.done`); a node with subscribers binds its own
 *                                    queue with `evt.<pattern>` (`research.*` → `evt.research.*`)
 *
 * So an observer can bind `node.*.msg.order_created` to see every `order_created` event, `node.b.#`
 * for all traffic to `b`, `dead.#` for every dead letter, `hb.*` for membership.
 *
 * Queues
 * - `arbor.<cluster>.node.<node>`   durable, bound `node.<node>.#`; survives its node, so a peer can
 *   {@link drainNode | drain} it after the node died.
 * - `arbor.<cluster>.ctl.<node>`    durable, bound `ctl.<node>`: the node's control lane, consumed
 *   apart from its node queue so that user traffic never holds up a report (see
 *   `Transport.sendControl`). Deleted with the node queue (its drain, or the last node's stop),
 *   undrained: reports to a node that died are moot.
 * - `arbor.<cluster>.pool.<kind>`   durable, bound `pool.<kind>`; competing consumers.
 * - `arbor.<cluster>.singleton.<id>`  durable, bound `singleton.<id>`, single active consumer: every
 *   node that spawned the singleton consumes it, and the broker hands its messages to one of them
 *   at a time (the one that runs the singleton; the next when its connection closes).
 * - `arbor.<cluster>.hb.<node>.<incarnation>`  exclusive, auto-delete; bound `hb.*` and `bye.*`.
 * - `arbor.<cluster>.presence.<node>.<incarnation>.<session>`  auto-delete, single active consumer;
 *   bound to nothing: it holds one token that tells the watchers when the node's connection closes.
 * - `arbor.<cluster>.retry.<ms>`    durable, `x-message-ttl = <ms>`, dead-letters back into
 *   `arbor.<cluster>` with the routing key it was published with (the original one). A retry is
 *   the envelope's original bytes with the attempts so far in the `x-arbor-attempt` header.
 * - `arbor.<cluster>.dead`          durable, bound `dead.#`; the original bytes, headers
 *   `x-arbor-reason`, `x-arbor-code`, `x-arbor-attempts` (= `x-arbor-attempt`),
 *   `x-arbor-routing-key`, `x-arbor-node`, `x-arbor-message-id`.
 * - `arbor.<cluster>.members`       auto-delete, never bound or published to: every running node
 *   consumes it, so its consumer count is the number of live nodes, and the broker deletes it
 *   when the last one leaves (how a stopping node knows it is the last; see `./leftovers.ts`).
 *
 * Word encoding: a routing-key word may not contain `.` (the separator) and should not contain `*`
 * or `#` (binding wildcards); event types such as `order.created` do. Those characters and `%` are
 * percent-encoded (`order.created` → `order%2Ecreated`); other characters pass unchanged, so
 * ordinary names stay readable. A word longer than {@link MAX_WORD} bytes is cut and marked with a
 * trailing `%+`; an empty or missing event type is `%`. Neither form can come from encoding a
 * whole name, so they never collide with one.
 */

/** Longest encoded routing-key word (AMQP allows 255 bytes for the whole key). */
export const MAX_WORD = 100;

/** Encodes one routing-key word; see the module header. */
export function encodeKeyWord(word: string): string {
  // Every send encodes its event type and destination node: the same few words, over and over.
  const known = encodedWords.get(word);
  if (known !== undefined) return known;
  const encoded = encodeWord(word);
  if (encodedWords.size >= ENCODED_WORDS_KEPT) encodedWords.clear();
  encodedWords.set(word, encoded);
  return encoded;
}

/** Words encoded lately, and how many are kept before starting afresh (a bound, not an LRU: the set in use is small). */
const encodedWords = new Map<string, string>();
const ENCODED_WORDS_KEPT = 1024;

function encodeWord(word: string): string {
  if (word.length === 0) return '%';
  const encoded = word.replace(/[%.*#]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
  if (Buffer.byteLength(encoded) <= MAX_WORD) return encoded;
  let cut = encoded.slice(0, MAX_WORD);
  while (Buffer.byteLength(cut) > MAX_WORD - 2) cut = cut.slice(0, -1);
  // Never end inside an escape (`%2` or `%`), or the marker would read as part of it.
  cut = cut.replace(/%[0-9A-F]?$/, '');
  return cut + '%+';
}

/** Decodes a word made by {@link encodeKeyWord} (a truncated one decodes to its prefix). */
export function decodeKeyWord(word: string): string {
  if (word === '%') return '';
  return word.replace(/%\+$/, '').replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Names and keys of one cluster. */
export class Topology {
  readonly exchange: string;
  readonly retryExchange: string;
  readonly deadQueue: string;
  readonly membersQueue: string;

  constructor(readonly cluster: string) {
    this.exchange = `arbor.${cluster}`;
    this.retryExchange = `arbor.${cluster}.retry`;
    this.deadQueue = `arbor.${cluster}.dead`;
    this.membersQueue = `arbor.${cluster}.members`;
  }

  nodeQueue(node: string): string {
    return `${this.exchange}.node.${encodeKeyWord(node)}`;
  }

  nodeBinding(node: string): string {
    return `node.${encodeKeyWord(node)}.#`;
  }

  /** A node's control queue (see the module header). */
  controlQueue(node: string): string {
    return `${this.exchange}.ctl.${encodeKeyWord(node)}`;
  }

  controlKey(node: string): string {
    return `ctl.${encodeKeyWord(node)}`;
  }

  poolQueue(kind: string): string {
    return `${this.exchange}.pool.${encodeKeyWord(kind)}`;
  }

  poolKey(kind: string): string {
    return `pool.${encodeKeyWord(kind)}`;
  }

  singletonQueue(id: string): string {
    return `${this.exchange}.singleton.${encodeKeyWord(id)}`;
  }

  singletonKey(id: string): string {
    return `singleton.${encodeKeyWord(id)}`;
  }

  heartbeatQueue(node: string, incarnation: string): string {
    return `${this.exchange}.hb.${encodeKeyWord(node)}.${incarnation}`;
  }

  /** A node's presence queue for one connection session (see `Presence.ts`). */
  presenceQueue(node: string, incarnation: string, session: number): string {
    return `${this.exchange}.presence.${encodeKeyWord(node)}.${incarnation}.${session}`;
  }

  heartbeatKey(node: string): string {
    return `hb.${encodeKeyWord(node)}`;
  }

  byeKey(node: string): string {
    return `bye.${encodeKeyWord(node)}`;
  }

  deadKey(node: string): string {
    return `dead.${encodeKeyWord(node)}`;
  }

  retryQueue(delayMs: number): string {
    return `${this.exchange}.retry.${delayMs}`;
  }

  /** The routing key of an event published by its type: one word per dot-separated part. */
  topicKey(type: string): string {
    return `evt.${type.split('.').map(encodeKeyWord).join('.')}`;
  }

  /** The binding key of a subscription pattern (`*` and `#` stay wildcards). */
  topicBinding(pattern: string): string {
    return `evt.${pattern.split('.').map((w) => (w === '*' || w === '#' ? w : encodeKeyWord(w))).join('.')}`;
  }

  /** The routing key of a user envelope whose body is `body`, or of a system envelope. */
  envelopeKey(node: string, kind: 'user' | 'system', body: unknown): string {
    if (kind === 'system') return `node.${encodeKeyWord(node)}.sys`;
    const type = typeof body === 'object' && body !== null && typeof (body as { type?: unknown }).type === 'string' ? (body as { type: string }).type : '';
    return `node.${encodeKeyWord(node)}.msg.${encodeKeyWord(type)}`;
  }
}
