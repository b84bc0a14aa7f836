/**
 * Publishing with broker confirms, pipelined: each {@link ConfirmedPublisher.publish} returns a
 * promise of its own outcome and nothing awaits one publish before starting the next, so many
 * publishes are in flight on the one confirm-mode channel.
 *
 * Every publish ends in bounded time with a settled outcome (the promise never rejects):
 * - confirmed and routed → `{ ok: true }`;
 * - returned by the broker (`mandatory` and no queue bound) → `UNROUTABLE`. RabbitMQ sends
 *   `basic.return` before the `basic.ack` of the same message on the same channel, so the return
 *   is recorded by message id by the time the confirm is examined (see the note in `attempt`);
 * - failed (connection lost, nack) → retried, paced by a growing delay, until `sendTimeout` after
 *   the publish began → `TRANSPORT_ERROR`.
 *
 * Deadlines cost no timer each: a publish's deadline is `sendTimeout` after it began, so deadlines
 * fall due in the order publishes began; one timer, armed for the earliest, fails what is due and
 * re-arms for the next. A settled publish only leaves the list (setting and clearing a timer per
 * publish was a measurable part of a lone message's path).
 *
 * A publish reported as timed out may still have reached the broker (its confirm was lost with the
 * connection): delivery is at least once, and receivers drop duplicates by envelope id. A retried
 * publish can overtake later ones, so order holds only while the connection does.
 */
import type { Connection, Publisher } from 'rabbitmq-client';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { ArborError } from '../runtime/errors.js';
import { transportError } from './redact.js';

/** One AMQP message to publish. */
export interface PublishRequest {
  exchange: string;
  routingKey: string;
  body: Buffer;
  /** Ask the broker to return it when no queue is bound (user traffic); off for heartbeats. */
  mandatory: boolean;
  /** Persist to disk in durable queues. */
  durable: boolean;
  headers?: Record<string, unknown>;
  correlationId?: string;
  /** Per-message TTL in ms (heartbeats: a stale beat is worthless). */
  expiration?: number;
  /** AMQP priority (honoured by queues declared with `x-max-priority`). */
  priority?: number;
}

/** How a publish ended. */
export type PublishOutcome = { ok: true } | { ok: false; error: ArborError };

interface Deps {
  connection: Connection;
  clock: Clock;
  sendTimeout: number;
  url: string;
  logger: Logger;
}

/** Retry pacing after a failed attempt: 25 ms, doubling, at most 1 s. */
const PACE_MIN = 25;
const PACE_MAX = 1000;

/** A confirm-mode publisher with per-message outcomes and a deadline on each. */
export class ConfirmedPublisher {
  private readonly publisher: Publisher;
  private readonly returned = new Map<string, { replyCode: number; replyText: string }>();
  private readonly inFlight = new Set<Promise<PublishOutcome>>();
  /** How to finish each publish in flight, with when it falls due and its routing key; in the order they began. */
  private readonly finishers = new Map<(outcome: PublishOutcome) => void, { at: number; routingKey: string }>();
  /** The one deadline timer (see the header), armed while a publish is in flight. */
  private deadlineTimer: TimerHandle | undefined;
  private seq = 0;
  private closed = false;
  // Message ids only need to be unique among this publisher's in-flight messages (to match
  // returns); the prefix keeps them unique across processes too, which helps when reading logs.
  private readonly prefix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}-`;

  constructor(private readonly deps: Deps) {
    this.publisher = deps.connection.createPublisher({ confirm: true, maxAttempts: 1 });
    this.publisher.on('basic.return', (msg) => {
      if (msg.messageId) this.returned.set(msg.messageId, { replyCode: msg.replyCode, replyText: msg.replyText });
    });
  }

  /** Publishes now; the promise settles with the outcome, within `sendTimeout`, and never rejects. */
  publish(req: PublishRequest): Promise<PublishOutcome> {
    const outcome = this.closed
      ? Promise.resolve<PublishOutcome>({ ok: false, error: new ArborError('TRANSPORT_ERROR', 'transport is stopped', { routingKey: req.routingKey }) })
      : this.attempt(req, `${this.prefix}${++this.seq}`);
    this.inFlight.add(outcome);
    void outcome.finally(() => this.inFlight.delete(outcome));
    return outcome;
  }

  /** Publishes not yet settled. */
  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * Resolves once the publishes in flight now have settled (later ones are not waited for, so a
   * steady stream of publishes never holds it up). Never rejects: outcomes never do.
   */
  inFlightSettled(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return Promise.all(this.inFlight).then(() => undefined);
  }

  /** Waits for every publish in flight to settle (each has its own deadline). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops retrying and closes the channel; publishes still unconfirmed fail with `TRANSPORT_ERROR`. */
  async close(): Promise<void> {
    this.closed = true;
    await this.publisher.close().catch(() => undefined);
    this.disarm();
  }

  /** Settles every publish in flight now as failed (`TRANSPORT_ERROR`), without waiting for the broker. */
  abort(reason: string): void {
    this.closed = true;
    for (const finish of [...this.finishers.keys()]) finish({ ok: false, error: new ArborError('TRANSPORT_ERROR', reason) });
    this.disarm();
    void this.publisher.close().catch(() => undefined);
  }

  /** Arms the deadline timer for the earliest publish in flight, unless it is armed. */
  private arm(): void {
    if (this.deadlineTimer !== undefined) return;
    const first = this.finishers.values().next();
    if (first.done) return;
    const { clock } = this.deps;
    this.deadlineTimer = clock.setTimeout(() => this.expire(), Math.max(0, first.value.at - clock.now()));
  }

  private disarm(): void {
    if (this.deadlineTimer !== undefined) this.deps.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }

  /** Fails every publish whose deadline has come (they are first in the list), then re-arms. */
  private expire(): void {
    this.deadlineTimer = undefined;
    const now = this.deps.clock.now();
    const { sendTimeout } = this.deps;
    for (const [finish, { at, routingKey }] of this.finishers) {
      if (at > now) break;
      finish({ ok: false, error: new ArborError('TRANSPORT_ERROR', `broker did not confirm within ${sendTimeout} ms`, { routingKey, timeoutMs: sendTimeout }) });
    }
    this.arm();
  }

  private attempt(req: PublishRequest, messageId: string): Promise<PublishOutcome> {
    const { clock, sendTimeout } = this.deps;
    return new Promise<PublishOutcome>((resolve) => {
      let done = false;
      let pace = PACE_MIN;
      let paceTimer: TimerHandle | undefined;
      const finish = (outcome: PublishOutcome): void => {
        if (done) return;
        done = true;
        this.finishers.delete(finish);
        // Stopped and nothing left in flight: no timer may keep the process alive.
        if (this.closed && this.finishers.size === 0) this.disarm();
        if (paceTimer !== undefined) clock.clearTimeout(paceTimer);
        this.returned.delete(messageId);
        resolve(outcome);
      };
      this.finishers.set(finish, { at: clock.now() + sendTimeout, routingKey: req.routingKey });
      this.arm();
      const once = (): void => {
        paceTimer = undefined;
        this.sendOnce(req, messageId).then(
          // rabbitmq-client emits 'basic.return' from a setImmediate queued while parsing the
          // return, which precedes the ack on the wire; the ack resolves this promise at once. One
          // more setImmediate, queued after that one, lets the return be recorded first.
          () => setImmediate(() => finish(this.confirmed(req, messageId))),
          (err: unknown) => {
            if (done) return;
            if (this.closed) return finish({ ok: false, error: transportError(err, this.deps.url, 'publish failed while stopping', { routingKey: req.routingKey }) });
            this.deps.logger.debug({ routingKey: req.routingKey, messageId, err: transportError(err, this.deps.url, 'publish failed, retrying').message }, 'publish retry');
            paceTimer = clock.setTimeout(once, pace);
            pace = Math.min(PACE_MAX, pace * 2);
          },
        );
      };
      once();
    });
  }

  private sendOnce(req: PublishRequest, messageId: string): Promise<void> {
    return this.publisher.send(
      {
        exchange: req.exchange,
        routingKey: req.routingKey,
        mandatory: req.mandatory,
        durable: req.durable,
        messageId,
        contentType: 'application/msgpack',
        ...(req.headers ? { headers: req.headers } : {}),
        ...(req.correlationId ? { correlationId: req.correlationId } : {}),
        ...(req.expiration !== undefined ? { expiration: String(req.expiration) } : {}),
        ...(req.priority !== undefined ? { priority: req.priority } : {}),
      },
      req.body,
    );
  }

  private confirmed(req: PublishRequest, messageId: string): PublishOutcome {
    const ret = this.returned.get(messageId);
    if (!ret) return { ok: true };
    return {
      ok: false,
      error: new ArborError('UNROUTABLE', `no queue is bound to routing key "${req.routingKey}" (${ret.replyCode} ${ret.replyText})`, {
        routingKey: req.routingKey,
        exchange: req.exchange,
      }),
    };
  }
}
