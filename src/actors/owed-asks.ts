/**
 * The asks a worker's incarnation owes a reply to: requests it took (their `replyTo` is an ask's
 * reply ref) and has not answered through `sendTo`. When the incarnation crashes, anywhere (an
 * action, a guard, an invoked or spawned child failing, an `onError` handler that throws), these
 * fail at once with the crash, as `gen_server:call` fails when the server dies, instead of
 * waiting out their timeouts.
 *
 * A reply sent some other way than `sendTo` (an action calling `replyTo.send` directly) is not
 * seen here; such an entry stays until its ask settles (local asks are checked) or the bound
 * pushes it out, and failing an ask that already settled does nothing.
 */
import { ASK_FAIL } from '../runtime/ask.js';
import { ArborError, withoutStack } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import { nodeOfPath } from '../runtime/paths.js';
import { relayOf, relaySettled } from '../runtime/relay.js';

/**
 * How many owed asks an incarnation remembers; beyond it the oldest are forgotten (a quarter of
 * the bound at once).
 * @default 1024
 */
export const OWED_ASKS_BOUND = 1024;

/** An ask's reply ref has a path with `/$ask/` in it (local or from another node), or is a relay standing for one (a chain's slip). */
export function askReplyRef(event: ArborEvent): object | undefined {
  const replyTo = event.replyTo as { path?: unknown } | undefined;
  if (typeof replyTo !== 'object' || replyTo === null || typeof replyTo.path !== 'string') return undefined;
  // A ref that fails like an ask's reply ref (a chain's slip) stands for one.
  return replyTo.path.includes('/$ask/') || typeof (replyTo as { [ASK_FAIL]?: unknown })[ASK_FAIL] === 'function' ? replyTo : undefined;
}

/** What owed asks need of the system: which asks still wait on this node. */
export interface AskRegistry {
  readonly node: string;
  _pendingAsk(path: string): unknown;
}

export class OwedAsks {
  private readonly owed = new Map<object, ArborEvent>();

  constructor(
    private readonly system: AskRegistry,
    private readonly bound = OWED_ASKS_BOUND,
  ) {}

  /** True while the local ask behind `replyTo` still waits; undefined when it cannot be known here (an asker on another node). */
  private pending(replyTo: object): boolean | undefined {
    // A relay standing for an ask (a chain's slip) may say whether it was answered.
    if (relayOf(replyTo) !== undefined) return relaySettled(replyTo) === true ? false : undefined;
    const path = (replyTo as { path: string }).path;
    const local = this.system._pendingAsk(path);
    if (local) return local === replyTo;
    return nodeOfPath(path) === this.system.node ? false : undefined;
  }

  get size(): number {
    return this.owed.size;
  }

  /** The incarnation took `event`, an ask to be answered at `replyTo`. */
  took(replyTo: object, event: ArborEvent): void {
    this.owed.delete(replyTo);
    this.owed.set(replyTo, event);
    if (this.owed.size > this.bound) this.prune();
  }

  /** Something was sent to `target`: if it is an owed reply ref, the debt is paid. */
  paid(target: unknown): void {
    if (this.owed.size > 0 && typeof target === 'object' && target !== null) this.owed.delete(target);
  }

  /** Takes every owed request that may still be waiting, and forgets them all. */
  drain(): ArborEvent[] {
    const out: ArborEvent[] = [];
    for (const [replyTo, event] of this.owed) if (this.pending(replyTo) !== false) out.push(event);
    this.owed.clear();
    return out;
  }

  /**
   * Forgets the asks that settled, then the oldest, down to three quarters of the bound: a full
   * pass costs the size of the map, so it runs once per quarter of the bound taken, not on every
   * take (a worker answering remote asks without `sendTo` keeps the map full: asks on other nodes
   * cannot be checked here, and a pass per message cost a fifth of such a host's CPU).
   */
  private prune(): void {
    for (const replyTo of [...this.owed.keys()]) if (this.pending(replyTo) === false) this.owed.delete(replyTo);
    const keep = this.bound - (this.bound >> 2);
    for (const replyTo of this.owed.keys()) {
      if (this.owed.size <= keep) break;
      this.owed.delete(replyTo);
    }
  }
}

/** Where a worker's unpaid debts go. */
export interface DeadLetters {
  deadLetter(recipient: string, event: unknown, reason: ArborError): void;
}

/**
 * A crash of the worker at `path`: the message it was processing (`current`, if any) and every
 * ask it owed a reply fail with `ACTOR_CRASHED`, the crash as its cause.
 */
export function failInFlight(system: DeadLetters, path: string, error: Error, current: ArborEvent | undefined, owed: readonly ArborEvent[]): void {
  // The reason's own stack would show XState's error reporting; the crash's is its cause.
  const crashed = (what: string): ArborError =>
    withoutStack(() => new ArborError('ACTOR_CRASHED', `actor ${path} crashed ${what}: ${error.message}`, { path }, { cause: error }));
  if (current !== undefined) system.deadLetter(path, current, crashed('processing this message'));
  for (const event of owed) if (event !== current) system.deadLetter(path, event, crashed('before replying to this ask'));
}

/**
 * Asks the worker at `path` took and never answered, when it reaches a final state: no later
 * incarnation will answer them, so they fail now (`ACTOR_STOPPED`), as a `gen_server:call` fails
 * when the server exits, instead of waiting out their timeouts.
 */
export function failUnowed(system: DeadLetters, path: string, owed: readonly ArborEvent[]): void {
  if (owed.length === 0) return;
  const reason = new ArborError('ACTOR_STOPPED', `actor ${path} exited before replying to this ask`, { path });
  for (const event of owed) system.deadLetter(path, event, reason);
}
