/**
 * The protocol between nodes: the messages of `kind: 'system'` envelopes, addressed to a node
 * (`arbor://<node>/$sys`) rather than to an actor.
 *
 * - Placement, owner → host: `spawn`, `stop`, `kill`, `skip`; host → owner: `exit`, `stopped`,
 *   `processed`. Each names the child's path and incarnation (`inc`), so a stale one is
 *   recognised and ignored.
 * - `route`, owner → a node that sent to one of its remote children: where the child's current
 *   incarnation runs, so that node sends there directly (the host hands back to the owner what
 *   the incarnation leaves unprocessed; see `host-side.ts`).
 * - `ask_fail`: a request whose `replyTo` is an ask on the receiving node was dead-lettered.
 * - `request` / `reply`: an actor's result, a node's `describe()`, an actor's detail, or a named
 *   query (`name`, `arg`: the inspector's workflow buffer), asked across nodes.
 * - `singleton_end`: the node running a cluster singleton tells the others it ended for good (their
 *   `result()` settles, they stop waiting to take it over).
 */
import type { NormalizedDurableOptions } from '../runtime/durable-options.js';
import type { Shutdown } from '../runtime/cell.js';
import type { WireError } from './wire-error.js';

/** The address part of a node's protocol endpoint: `arbor://<node>/$sys`. */
export const PROTOCOL_TARGET = '$sys';

/** How a hosted incarnation ended, on the wire. */
export type WireExit = { normal: true; output: unknown } | { normal: false; error: WireError };

/** A message of the protocol between nodes (the `body` of a `kind: 'system'` envelope). */
export type ProtocolMessage =
  | { op: 'spawn'; from: string; path: string; kind: string; input: unknown; inc: number; shutdown: Shutdown; durable?: NormalizedDurableOptions }
  | { op: 'stop'; from: string; path: string; inc: number; shutdown: Shutdown }
  | { op: 'kill'; from: string; path: string; inc: number }
  | { op: 'exit'; from: string; path: string; inc: number; processed: number; exit: WireExit }
  | { op: 'stopped'; from: string; path: string; inc: number; processed: number }
  | { op: 'processed'; from: string; path: string; inc: number; processed: number }
  | { op: 'skip'; from: string; path: string; inc: number; seq: number }
  | { op: 'route'; from: string; path: string; node: string; inc: number }
  | { op: 'ask_fail'; from: string; path: string; error: WireError }
  | { op: 'request'; from: string; req: number; what: 'result' | 'describe' | 'detail' | 'query'; path?: string; name?: string; arg?: string }
  | { op: 'reply'; from: string; req: number; ok: boolean; value?: unknown; error?: WireError }
  | { op: 'singleton_end'; from: string; id: string; exit: WireExit };

/** The protocol message of one `op`. */
export type ProtocolOp<K extends ProtocolMessage['op']> = Extract<ProtocolMessage, { op: K }>;

/**
 * The ops sent on the control lane (`Transport.sendControl`): a host's reports to an owner
 * (`processed`, `exit`, `stopped`: an owner may hold the acks of messages for a placed child until
 * they come) and requests and replies (a host shutting down asks each owner a request after its
 * exits, on the same lane, so that the answer means the exits were taken). The owner's orders to a
 * host (`spawn`, `stop`, `kill`, `skip`) stay on the user lane, in order with the forwards they
 * come before or between.
 */
export const CONTROL_OPS: ReadonlySet<ProtocolMessage['op']> = new Set<ProtocolMessage['op']>(['processed', 'exit', 'stopped', 'request', 'reply']);
