/**
 * Idempotency keys: `idempotent(logic)` wraps any XState actor logic so that an event whose `id`
 * was already processed by this actor is skipped (logged, counted, and handed to `onDuplicate`).
 * Events without a string `id` pass through. Each actor keeps a bounded LRU of the ids it has
 * seen, so a duplicate is recognised as long as fewer than `capacity` other ids came in between.
 *
 * The wrapper inherits everything else from the logic (prototype delegation), so it still runs
 * as an Arbor worker, and graceful `arbor.shutdown` handling and diagrams see the same machine.
 * The seen ids belong to one actor incarnation: a restarted worker starts with an empty set.
 */
import type { Logger } from 'pino';
import type { AnyActorScope, AnyActorLogic, AnyActorRef, EventObject } from 'xstate';
import { eventFields } from './event.js';
import { SeenIds } from './seen-ids.js';
import { integer, loggerOption, optionsObject } from './validate.js';

/** Options of {@link idempotent}. */
export interface IdempotentOptions {
  /** How many recent ids each actor remembers. @default 10000 */
  capacity?: number;
  /** Where skipped duplicates are logged. @default the actor's XState logger (pino, via the worker) */
  logger?: Logger | false;
  /** Called with each skipped duplicate. */
  onDuplicate?: (event: EventObject & { id: string }) => void;
}

export const DEFAULT_IDEMPOTENT_OPTIONS = { capacity: 10_000 } as const satisfies IdempotentOptions;

/** Counters of an idempotent logic, over every actor running it. */
export interface IdempotencyStats {
  processed: number;
  duplicates: number;
}

/** The wrapped logic: the same logic, plus its counters. */
export type IdempotentLogic<TLogic extends AnyActorLogic> = TLogic & { readonly idempotency: IdempotencyStats };

/**
 * Wraps `logic` so that duplicate event ids are processed once per actor.
 *
 * @example
 * const worker = idempotent(orderMachine, { capacity: 1000 });
 * const ref = system.spawn(worker, { id: 'orders' });
 * ref.send(event); ref.send(event);  // the second is skipped
 * worker.idempotency.duplicates;     // 1
 */
export function idempotent<TLogic extends AnyActorLogic>(logic: TLogic, options: IdempotentOptions = {}): IdempotentLogic<TLogic> {
  if (typeof logic !== 'object' || logic === null || typeof logic.transition !== 'function' || typeof logic.getInitialSnapshot !== 'function') {
    throw new TypeError('idempotent(logic): logic must be XState actor logic (with transition and getInitialSnapshot)');
  }
  const o = optionsObject(options, 'options');
  const capacity = integer(o.capacity, 'capacity', 1, DEFAULT_IDEMPOTENT_OPTIONS.capacity);
  const logger = o.logger === undefined ? undefined : loggerOption(o.logger);
  const onDuplicate = options.onDuplicate;
  const stats: IdempotencyStats = { processed: 0, duplicates: 0 };
  // Keyed by the actor's own ref: one set per actor (per incarnation), gone with it.
  const seenBy = new WeakMap<AnyActorRef, SeenIds>();
  const inner = logic as AnyActorLogic;
  const wrapped = Object.create(inner) as AnyActorLogic & { idempotency: IdempotencyStats };
  wrapped.transition = (snapshot: unknown, event: EventObject, scope: AnyActorScope) => {
    const id = (event as { id?: unknown }).id;
    if (typeof id === 'string') {
      let seen = seenBy.get(scope.self);
      if (!seen) seenBy.set(scope.self, (seen = new SeenIds(capacity)));
      if (seen.check(id)) {
        stats.duplicates++;
        const fields = { ...eventFields(event as never), actor: scope.self.id };
        if (logger) logger.info(fields, 'duplicate event skipped');
        else scope.logger?.('duplicate event skipped', fields);
        onDuplicate?.(event as EventObject & { id: string });
        return snapshot;
      }
      stats.processed++;
    }
    return inner.transition(snapshot, event, scope);
  };
  wrapped.idempotency = stats;
  return wrapped as IdempotentLogic<TLogic>;
}
