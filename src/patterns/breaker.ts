/**
 * A circuit breaker: `closed` lets calls through and counts consecutive failures; at
 * `failureThreshold` it opens. `open` rejects every call with `CIRCUIT_OPEN` until `coolDown`
 * ms have passed on the injected clock, then turns `half_open`: one probe call at a time goes
 * through; its success closes the breaker, its failure opens it again for another cool-down.
 *
 * {@link stopSubtree} ties a breaker to a supervisor child, so a runaway subtree is terminated
 * when the breaker opens and restarted as the probe when it turns half-open.
 */
import type { Logger } from 'pino';
import { realClock, type Clock, type TimerHandle } from '../runtime/clock.js';
import { ArborError, toError } from '../runtime/errors.js';
import { duration, integer, loggerOption, nonEmptyString, optionsObject } from './validate.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Names the breaker in errors and logs. @default 'breaker' */
  name?: string;
  /** Consecutive failures that open a closed breaker. @default 5 */
  failureThreshold?: number;
  /** Ms an open breaker waits before letting a probe through. @default 30000 */
  coolDown?: number;
  /** @default the wall clock */
  clock?: Clock;
  /** Told of every state change. */
  onStateChange?: (to: BreakerState, from: BreakerState) => void;
  /** @default silent */
  logger?: Logger | false;
}

export const DEFAULT_CIRCUIT_BREAKER_OPTIONS = { name: 'breaker', failureThreshold: 5, coolDown: 30_000 } as const;

/**
 * @example
 * const breaker = new CircuitBreaker({ failureThreshold: 3, coolDown: 10_000, clock: system.clock });
 * const answer = await breaker.call(() => model.complete(prompt)); // CIRCUIT_OPEN while open
 */
export class CircuitBreaker {
  readonly name: string;
  readonly failureThreshold: number;
  readonly coolDown: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly listeners: ((to: BreakerState, from: BreakerState) => void)[] = [];
  private current: BreakerState = 'closed';
  private failures = 0;
  private probing = false;
  private timer: TimerHandle | undefined;
  private openedAt = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    const o = optionsObject(options, 'options');
    this.name = o.name === undefined ? DEFAULT_CIRCUIT_BREAKER_OPTIONS.name : nonEmptyString(o.name, 'name');
    this.failureThreshold = integer(o.failureThreshold, 'failureThreshold', 1, DEFAULT_CIRCUIT_BREAKER_OPTIONS.failureThreshold);
    this.coolDown = duration(o.coolDown, 'coolDown', DEFAULT_CIRCUIT_BREAKER_OPTIONS.coolDown);
    this.clock = (o.clock as Clock | undefined) ?? realClock;
    this.logger = loggerOption(o.logger).child({ breaker: this.name });
    if (options.onStateChange) this.listeners.push(options.onStateChange);
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Consecutive failures counted while closed. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Adds a state-change listener; returns its remover. */
  onStateChange(listener: (to: BreakerState, from: BreakerState) => void): () => void {
    this.listeners.push(listener);
    return () => void this.listeners.splice(this.listeners.indexOf(listener) >>> 0, 1);
  }

  /**
   * Asks to make a call: true when it may go through (in `half_open`, it is then the probe and
   * its outcome must be reported). Does not throw; see {@link acquire}.
   */
  tryAcquire(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** {@link tryAcquire}, throwing `CIRCUIT_OPEN` when the call may not go through. */
  acquire(): void {
    if (this.tryAcquire()) return;
    const retryIn = this.current === 'open' ? Math.max(0, this.openedAt + this.coolDown - this.clock.now()) : 0;
    throw new ArborError('CIRCUIT_OPEN', `circuit ${this.name} is ${this.current === 'open' ? 'open' : 'half-open with a probe in flight'}`, {
      breaker: this.name,
      state: this.current,
      retryIn,
    });
  }

  /** Reports a successful call. */
  success(): void {
    this.probing = false;
    if (this.current === 'half_open') this.transition('closed');
    this.failures = 0;
  }

  /** Reports a failed call. */
  failure(error?: unknown): void {
    this.probing = false;
    if (this.current === 'half_open') return this.open(error);
    if (this.current === 'open') return;
    this.failures++;
    if (this.failures >= this.failureThreshold) this.open(error);
  }

  /** Runs `fn` through the breaker: rejects with `CIRCUIT_OPEN` without calling it when open. */
  async call<T>(fn: () => T | Promise<T>): Promise<T> {
    this.acquire();
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      this.failure(err);
      throw err;
    }
    this.success();
    return value;
  }

  /** Stops the cool-down timer (the breaker stays as it is). */
  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private open(error: unknown): void {
    this.failures = 0;
    this.openedAt = this.clock.now();
    this.dispose();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.transition('half_open');
    }, this.coolDown);
    this.transition('open', error);
  }

  private transition(to: BreakerState, error?: unknown): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    const level = to === 'open' ? 'warn' : 'info';
    this.logger[level]({ from, to, ...(error === undefined ? {} : { err: toError(error) }) }, `circuit ${this.name} ${to}`);
    for (const listener of [...this.listeners]) {
      try {
        listener(to, from);
      } catch (err) {
        this.logger.error({ err: toError(err) }, 'a circuit breaker listener threw');
      }
    }
  }
}

/** The part of a supervisor ref that {@link stopSubtree} needs. */
export interface SubtreeParent {
  terminateChild(id: string): Promise<void>;
  restartChild(id: string): Promise<unknown>;
}

/**
 * Stops a runaway subtree: when `breaker` opens, child `childId` of `parent` is terminated; when
 * the breaker turns half-open, the child is restarted as the probe. Returns the remover.
 */
export function stopSubtree(breaker: CircuitBreaker, parent: SubtreeParent, childId: string, logger?: Logger | false): () => void {
  const log = loggerOption(logger).child({ breaker: breaker.name, child: childId });
  return breaker.onStateChange((to) => {
    const action = to === 'open' ? parent.terminateChild(childId) : to === 'half_open' ? parent.restartChild(childId) : undefined;
    action?.catch((err: unknown) => log.error({ err: toError(err), state: to }, 'circuit breaker could not act on its subtree'));
  });
}
