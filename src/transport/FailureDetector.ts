/**
 * Failure detectors: how long a peer may stay silent before it counts as down.
 *
 * {@link PhiAccrualDetector} is the φ accrual detector of Hayashibara et al. as Akka implements
 * it: it learns the distribution of the intervals between a peer's heartbeats and reports, as
 * φ = -log10(P(a beat this late or later)), how unlikely the current silence is. A peer is down
 * when φ reaches `threshold`. Because φ depends only on the history (which changes only when a
 * beat arrives) and on the time since the last beat, the silence at which φ crosses the threshold
 * is fixed between beats: {@link FailureDetector.silenceLimit} computes it once per beat, so
 * {@link Membership} arms one timer per peer instead of polling φ.
 *
 * Why φ and not a fixed count of missed beats: a fixed rule has one knob that trades speed for
 * false alarms everywhere, while φ widens its tolerance for a peer whose beats arrive irregularly
 * (a loaded node, a GC pause) and keeps it tight for a steady one; `acceptablePause` then says
 * outright how long a stall (GC, a long turn) may last without the peer being taken for dead.
 * Crashed nodes are not left to the detector at all: the broker sees their connection close, and
 * the transport reports that at once (see `Presence.ts`).
 */

/** Decides, from a peer's heartbeats, how much silence means it is down. */
export interface FailureDetector {
  /** A heartbeat arrived at `now` (ms). */
  heartbeat(now: number): void;
  /** Ms of silence after the last heartbeat at which the peer counts as down. */
  silenceLimit(): number;
}

/** Options of {@link PhiAccrualDetector}; every time in ms. */
export interface PhiAccrualOptions {
  /** The heartbeat period peers use: the first estimate of the interval and the scale of the defaults. */
  heartbeat: number;
  /**
   * φ at which a peer is down: 8 means the silence had a 10⁻⁸ chance under the learned intervals.
   * @default 8 (as Akka's cluster)
   */
  threshold?: number;
  /**
   * A silence this much longer than the usual interval is still normal (a GC pause, a long turn).
   * @default 2 × heartbeat
   */
  acceptablePause?: number;
  /**
   * The least standard deviation assumed for intervals, so a perfectly regular peer is not
   * declared down by a few ms of lateness.
   * @default heartbeat / 10
   */
  minStdDeviation?: number;
  /** Intervals remembered (a sliding window). @default 200 */
  maxSamples?: number;
}

/** The defaults for a heartbeat period, in one place. */
export function defaultPhiOptions(heartbeat: number): Required<PhiAccrualOptions> {
  return { heartbeat, threshold: 8, acceptablePause: 2 * heartbeat, minStdDeviation: heartbeat / 10, maxSamples: 200 };
}

/**
 * φ for a silence of `elapsed` ms when intervals are normal with `mean` and `std`, with Akka's
 * logistic approximation of the normal CDF (accurate to about 10⁻⁴ and cheap).
 */
export function phi(elapsed: number, mean: number, std: number): number {
  const y = (elapsed - mean) / std;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return elapsed > mean ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e));
}

/** The `y = (elapsed - mean) / std` at which {@link phi} equals `threshold` (> log10(2)); by bisection, φ being increasing in y. */
function crossing(threshold: number): number {
  let lo = -50;
  let hi = 50;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (phi(mid, 0, 1) < threshold) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** φ accrual over a sliding window of heartbeat intervals. */
export class PhiAccrualDetector implements FailureDetector {
  private readonly options: Required<PhiAccrualOptions>;
  private readonly intervals: number[] = [];
  private sum = 0;
  private squares = 0;
  private last: number | undefined;
  private readonly y: number;

  constructor(options: PhiAccrualOptions) {
    this.options = { ...defaultPhiOptions(options.heartbeat), ...stripUndefined(options) };
    this.y = crossing(this.options.threshold);
    // Seed the history as Akka does: the first estimate ± a quarter of it, so the first beats are judged sensibly.
    const first = this.options.heartbeat;
    this.add(first - first / 4);
    this.add(first + first / 4);
  }

  heartbeat(now: number): void {
    if (this.last !== undefined && now > this.last) this.add(now - this.last);
    this.last = now;
  }

  /** The mean interval the detector expects, the acceptable pause included. */
  mean(): number {
    return this.sum / this.intervals.length + this.options.acceptablePause;
  }

  /** The standard deviation of intervals, at least `minStdDeviation`. */
  stdDeviation(): number {
    const n = this.intervals.length;
    const m = this.sum / n;
    const variance = Math.max(0, this.squares / n - m * m);
    return Math.max(Math.sqrt(variance), this.options.minStdDeviation);
  }

  /** φ after `elapsed` ms of silence. */
  phi(elapsed: number): number {
    return phi(elapsed, this.mean(), this.stdDeviation());
  }

  silenceLimit(): number {
    return Math.max(0, this.mean() + this.y * this.stdDeviation());
  }

  private add(interval: number): void {
    this.intervals.push(interval);
    this.sum += interval;
    this.squares += interval * interval;
    if (this.intervals.length > this.options.maxSamples) {
      const old = this.intervals.shift() as number;
      this.sum -= old;
      this.squares -= old * old;
    }
  }
}

/** A fixed limit: down after `missLimit` silent heartbeat periods (the rule before φ; kept for tests and tight setups). */
export class FixedSilenceDetector implements FailureDetector {
  constructor(
    private readonly heartbeatMs: number,
    private readonly missLimit = 3,
  ) {}

  heartbeat(): void {}

  silenceLimit(): number {
    return this.missLimit * this.heartbeatMs;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
