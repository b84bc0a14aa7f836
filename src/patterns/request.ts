/**
 * Request–reply with correlation ids. `request` sends a pattern event with a `replyTo` and
 * resolves with the first reply whose `correlationId` matches the request's. A reply that does
 * not match (a late answer to an earlier request, a reply from another workflow) is not taken
 * for the answer: it is logged with both correlation ids, handed to `onMismatch`, and the wait
 * goes on. No matching reply within `timeout` ms (on the system's clock) rejects with
 * `ASK_TIMEOUT`.
 */
import type { Logger } from 'pino';
import type { Clock } from '../runtime/clock.js';
import { ArborError } from '../runtime/errors.js';
import { correlationOf, type ArborEvent } from '../runtime/event.js';
import { DEFAULT_ASK_TIMEOUT, type ActorRef } from '../runtime/ref.js';
import { assertPatternEvent, eventFields, eventLogger, type PatternEvent } from './event.js';
import { duration, optionsObject } from './validate.js';

/** Options of {@link request}. */
export interface RequestOptions {
  /** Ms to wait for a matching reply. @default 5000 */
  timeout?: number;
  /** Told of every reply whose correlation id does not match. */
  onMismatch?: (reply: ArborEvent) => void;
}

/** What `request` needs of the system: its clock and logger. */
export interface RequestContext {
  readonly node: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * @example
 * const question = createEvent('quote.requested', { sku }, { source: 'shop', clock: system.clock });
 * const quote = await request(system, pricing, question, { timeout: 2000 });
 * quote.correlationId === question.correlationId; // always
 */
export function request<TReply extends ArborEvent = PatternEvent>(
  system: RequestContext,
  target: ActorRef,
  event: PatternEvent,
  options: RequestOptions = {},
): Promise<TReply> {
  assertPatternEvent(event);
  const o = optionsObject(options, 'options');
  const timeout = duration(o.timeout, 'timeout', DEFAULT_ASK_TIMEOUT);
  const log = eventLogger(system.logger, event).child({ target: target.path });
  // An ask that takes only the matching reply: its reply ref routes by path, so the reply may come
  // from any node, and a request that is dead-lettered fails at once rather than at its timeout.
  return target
    .ask<TReply>(event, {
      timeout,
      accept: (reply) => correlationOf(reply) === event.correlationId,
      onRejected: (reply) => {
        log.warn({ reply: eventFields(reply as Partial<PatternEvent>), expected: event.correlationId, got: correlationOf(reply) }, 'reply with a mismatched correlation id ignored');
        options.onMismatch?.(reply);
      },
    })
    .catch((err: unknown) => {
      if (!(err instanceof ArborError) || err.code !== 'ASK_TIMEOUT') throw err;
      log.warn({ timeout }, 'request timed out');
      throw new ArborError('ASK_TIMEOUT', `no reply with correlation id ${event.correlationId} from ${target.path} to "${event.type}" within ${timeout} ms`, {
        target: target.path,
        eventType: event.type,
        correlationId: event.correlationId,
        timeout,
      });
    });
}
