/** A tiny typed event emitter: reports and dead letters are published here; logging is one subscriber. */
export class Emitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<(value: never) => void>>();

  on<K extends keyof M>(name: K, fn: (value: M[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn as (value: never) => void);
    return () => {
      set.delete(fn as (value: never) => void);
    };
  }

  emit<K extends keyof M>(name: K, value: M[K], onError: (err: unknown) => void): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const fn of set) {
      try {
        (fn as (value: M[K]) => void)(value);
      } catch (err) {
        // A listener that throws must not break the runtime or the other listeners.
        onError(err);
      }
    }
  }
}
