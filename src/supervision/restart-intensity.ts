/**
 * Restart statistics: the timestamps of recent restarts. As in OTP's `add_restart/1`, a restart
 * is allowed while at most `intensity` restarts (this one included) fall within the last
 * `period` ms; one more and the supervisor gives up.
 *
 * Timestamps arrive in time order, so expired ones are dropped from the front of a ring buffer:
 * each restart costs amortised O(1) and allocates nothing. (Filtering a copied array on every
 * restart made a restart storm a garbage-collection storm, and the collector pauses were the
 * restart-latency p99.)
 */
import { Deque } from '../runtime/deque.js';

export class RestartIntensity {
  private restarts = new Deque<number>(4);

  constructor(
    readonly intensity: number,
    readonly period: number,
  ) {}

  /** Records a restart at `now`; false when that makes too many within the period. */
  add(now: number): boolean {
    this.expire(now);
    this.restarts.push(now);
    return this.restarts.size <= this.intensity;
  }

  /** Restarts counted within the period ending at `now`. */
  count(now: number): number {
    this.expire(now);
    return this.restarts.size;
  }

  reset(): void {
    this.restarts = new Deque<number>(4);
  }

  private expire(now: number): void {
    const threshold = now - this.period;
    while (this.restarts.size > 0 && (this.restarts.peek() as number) < threshold) this.restarts.shift();
  }
}
