/**
 * A copy of an input event for one run, so that no run (and no actor) shares an object with the
 * spec's generated inputs or with another run. `structuredClone` does this for any value, but it
 * costs tens of µs a call (it serializes through V8's value serializer); inputs are nearly always
 * plain JSON-like data, which a walk copies in well under a µs. Anything else (a class instance,
 * a function, a shared or cyclic reference, a sparse array) goes to `structuredClone`, so the
 * result (or the error) is exactly what `structuredClone` gives.
 */

/** Thrown inside the walk when the value is not plain data; the caller falls back. */
const NOT_PLAIN = Symbol('not plain');

export function cloneInput<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return structuredClone(value);
  try {
    return copy(value, new Set()) as T;
  } catch (err) {
    if (err !== NOT_PLAIN) throw err;
    return structuredClone(value);
  }
}

function copy(value: unknown, seen: Set<object>): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') throw NOT_PLAIN;
  if (typeof value !== 'object' || value === null) return value;
  // A value reached twice keeps its sharing under structuredClone: not plain data for this walk.
  if (seen.has(value)) throw NOT_PLAIN;
  seen.add(value);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_PLAIN;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw NOT_PLAIN;
      out[i] = copy(value[i], seen);
    }
    if (Object.keys(value).length !== value.length) throw NOT_PLAIN; // extra named properties
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copy((value as Record<string, unknown>)[key], seen);
    // An own `__proto__` key (JSON.parse makes them) stays a key: assigning it would set the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, writable: true, enumerable: true, configurable: true });
    else out[key] = item;
  }
  return out;
}
