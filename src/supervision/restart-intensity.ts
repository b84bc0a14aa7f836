/**
 * Restart statistics: the timestamps of recent restarts. As in OTP's `add_restart/1`, a restart
 * is allowed while at most `intensity` restarts (this one included) fall within the last
 * `period` ms; one more and the supervisor gives up.
 */
export class RestartIntensity {
  private restarts: number[] = [];

  constructor(
    readonly intensity: number,
    readonly period: number,
  ) {}

  /** Records a restart at `now`; false when that makes too many within the period. */
  add(now: number): boolean {
    const threshold = now - this.period;
    this.restarts = this.restarts.filter((t) => t >= threshold);
    this.restarts.push(now);
    return this.restarts.length <= this.intensity;
  }

  /** Restarts counted within the period ending at `now`. */
  count(now: number): number {
    const threshold = now - this.period;
    return this.restarts.filter((t) => t >= threshold).length;
  }

  reset(): void {
    this.restarts = [];
  }
}
