/**
 * What may cross to another node. The wire is plain msgpack: a `Map` would arrive as a plain
 * object, a `Set` or an `Error` as an array, a function as `undefined`, a class instance without
 * its class. An event that would change on the way is rejected on the sender's stack with
 * `NOT_SERIALIZABLE`, naming the field, so an event means the same thing locally and remotely.
 *
 * Carried faithfully: strings, booleans, `null`, `undefined`, numbers (`-0` arrives as `0`),
 * bigints within 64 bits, `Date`s, `Uint8Array`s (they arrive as `Buffer`s, a subclass), dense
 * arrays, plain objects (a `null` prototype arrives as `Object.prototype`), and Arbor refs (they
 * travel as `{ $ref: path }` and are revived by the receiver, see `wire-refs.ts`).
 */
import { ArborError } from '../runtime/errors.js';
import { isArborRef } from '../runtime/ref.js';

declare module '../runtime/errors.js' {
  interface ErrorCodes {
    /** An event holds a value the wire to another node cannot carry unchanged (a Map, a function, a class instance, ...). */
    NOT_SERIALIZABLE: 'remote';
  }
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
/** Nesting deeper than this is refused rather than walked (a cycle would never end). */
const MAX_DEPTH = 64;

/** Why `value` cannot cross the wire unchanged, naming the field, or `undefined` when it can. */
export function wireProblem(value: unknown, field = 'event', depth = 0): { field: string; problem: string } | undefined {
  const found = problemIn(value, depth);
  if (found === undefined) return undefined;
  // The path is collected innermost first, on the way out: a value that can travel (every send) builds no field names.
  let named = field;
  for (let i = found.path.length - 1; i >= 0; i--) {
    const step = found.path[i] as string | number;
    named += typeof step === 'number' ? `[${step}]` : `.${step}`;
  }
  return { field: named, problem: found.problem };
}

/** What {@link problemIn} found: the problem, and the keys and indexes leading to it, innermost first. */
interface Found {
  path: (string | number)[];
  problem: string;
}

function problemIn(value: unknown, depth: number): Found | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number':
    case 'undefined':
      return undefined;
    case 'bigint':
      return value >= INT64_MIN && value <= UINT64_MAX ? undefined : { path: [], problem: 'is a bigint outside 64 bits' };
    case 'function':
      return { path: [], problem: 'is a function' };
    case 'symbol':
      return { path: [], problem: 'is a symbol' };
  }
  if (value === null || value === undefined) return undefined;
  if (depth > MAX_DEPTH) return { path: [], problem: `is nested deeper than ${MAX_DEPTH} levels (or a cycle)` };
  if (value instanceof Date || value instanceof Uint8Array || isArborRef(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return { path: [i], problem: 'is a hole in a sparse array' };
      const inner = problemIn(value[i], depth + 1);
      if (inner) return (inner.path.push(i), inner);
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return { path: [], problem: `is a ${describeClass(value as object)}, not a plain object` };
  if (Object.getOwnPropertySymbols(value).length > 0) return { path: [], problem: 'has symbol keys' };
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return { path: ['__proto__'], problem: 'is a key msgpack renames on decoding' };
    const inner = problemIn((value as Record<string, unknown>)[key], depth + 1);
    if (inner) return (inner.path.push(key), inner);
  }
  return undefined;
}

/** Throws `NOT_SERIALIZABLE` (the field and what it holds in `details`) unless `event` can travel unchanged. */
export function assertWireSafe(event: unknown, to: string): void {
  const found = wireProblem(event);
  if (found === undefined) return;
  const type = (event as { type?: unknown }).type;
  throw new ArborError(
    'NOT_SERIALIZABLE',
    `cannot send ${typeof type === 'string' ? `"${type}"` : 'the event'} to ${to} on another node: ${found.field} ${found.problem} (send plain data: objects, arrays, strings, numbers, Dates)`,
    { field: found.field, problem: found.problem, to, type },
  );
}

function describeClass(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'class instance';
}
