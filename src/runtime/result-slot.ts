/**
 * The settled-once outcome behind `ref.result()`. Promises are made on demand, so an actor whose
 * result nobody asked for never produces an unhandled rejection.
 */
type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

export class ResultSlot {
  private outcome: Outcome | undefined;
  /** Made when the first `promise()` has to wait. */
  private waiters: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> | undefined;

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  promise(): Promise<unknown> {
    const o = this.outcome;
    if (o) return o.ok ? Promise.resolve(o.value) : Promise.reject(o.error);
    return new Promise((resolve, reject) => (this.waiters ??= []).push({ resolve, reject }));
  }

  resolve(value: unknown): void {
    this.settle({ ok: true, value });
  }

  reject(error: Error): void {
    this.settle({ ok: false, error });
  }

  private settle(o: Outcome): void {
    if (this.outcome) return;
    this.outcome = o;
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters === undefined) return;
    for (const w of waiters) {
      if (o.ok) w.resolve(o.value);
      else w.reject(o.error);
    }
  }
}
