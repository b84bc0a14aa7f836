/**
 * Payload domains: the values the checker tries for an event's payload or an actor's output.
 * A domain is *complete* when it holds every value its source can produce: an explicit list, or
 * an arbitrary small and finite enough to enumerate. Only complete domains let a search be
 * exhaustive; anything else is sampled, and the report says so.
 *
 * Arbitraries are enumerated by looking at how fast-check built them: integers with bounds,
 * constants (`constant`, `constantFrom`), booleans, and tuples, records, unions (`oneof`), `map`
 * and `filter` over those. Anything else (strings, chains, user classes) is not enumerated,
 * which is safe: it is only sampled. The inspection reads fast-check's own fields; should a
 * version rename them, arbitraries fall back to sampling, never to a wrong domain.
 */

/** Values to try for one payload source. */
export interface PayloadDomain {
  /** Values the breadth-first search tries, in order. */
  readonly values: readonly unknown[];
  /** Values random walks draw from: the whole domain, or a larger sample. */
  readonly pool: readonly unknown[];
  /** `values` is everything the source can produce. */
  readonly complete: boolean;
}

/** Largest domain enumerated in full; larger ones are sampled. */
export const ENUMERATION_LIMIT = 64;

/** How many values the breadth-first search takes from a domain it cannot enumerate. */
export const SAMPLED_VALUES = 3;

/** How many values random walks draw from for a domain that cannot be enumerated. */
export const SAMPLED_POOL = 48;

/** Draws `count` values from an arbitrary (fast-check's `sample`), reproducibly from `seed`. */
export type Sampler = (arbitrary: unknown, count: number, seed: number) => readonly unknown[];

/** The domain of an explicit list of values or of an arbitrary. */
export function payloadDomain(source: unknown, sample: Sampler, seed: number): PayloadDomain {
  const listed = Array.isArray(source) ? (source as unknown[]) : enumerate(source, ENUMERATION_LIMIT);
  if (listed) return { values: edgesFirst(listed), pool: listed, complete: true };
  const pool = distinct(sample(source, SAMPLED_POOL * 2, seed)).slice(0, SAMPLED_POOL);
  return { values: pool.slice(0, SAMPLED_VALUES), pool, complete: false };
}

/**
 * The values from both ends inwards (first, last, second, second-last, ...): the search tries
 * every value, but a bounded one meets the extremes (a quantity of 6, not only of 1) early, and
 * extremes are where guards flip.
 */
function edgesFirst<T>(values: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0, j = values.length - 1; i <= j; i++, j--) {
    out.push(values[i] as T);
    if (j !== i) out.push(values[j] as T);
  }
  return out;
}

/** The domain of a value nobody described: the one given, and not complete. */
export function guessedDomain(value: unknown): PayloadDomain {
  return { values: [value], pool: [value], complete: false };
}

function distinct(values: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    let key: string;
    try {
      key = JSON.stringify(v) ?? String(v);
    } catch {
      return true;
    }
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Fields = Record<string, unknown>;

/**
 * Every value `arbitrary` can generate, when there are at most `limit` and the arbitrary is built
 * only from the pieces listed in the module comment; else `undefined`.
 */
export function enumerate(arbitrary: unknown, limit: number): unknown[] | undefined {
  // Some arbitraries produce one value several ways (a record's booleans do): count it once.
  const values = enumerateParts(arbitrary, limit);
  return values && distinct(values);
}

function enumerateParts(arbitrary: unknown, limit: number): unknown[] | undefined {
  if (typeof arbitrary !== 'object' || arbitrary === null) return undefined;
  const arb = arbitrary as Fields;
  switch (arbitrary.constructor?.name) {
    case 'IntegerArbitrary':
      return integers(arb['min'], arb['max'], limit);
    case 'ConstantArbitrary':
      return Array.isArray(arb['values']) && arb['values'].length <= limit ? [...(arb['values'] as unknown[])] : undefined;
    case 'NoBiasArbitrary':
      return enumerate(arb['arb'], limit);
    case 'MapArbitrary':
      return mapped(arb, limit);
    case 'FilterArbitrary':
      return filtered(arb, limit);
    case 'TupleArbitrary':
      return tuples(arb['arbs'], limit);
    case 'FrequencyArbitrary':
      return union(arb['warbs'], limit);
    default:
      return undefined;
  }
}

function integers(min: unknown, max: unknown, limit: number): number[] | undefined {
  if (typeof min !== 'number' || typeof max !== 'number' || max - min + 1 > limit) return undefined;
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

function mapped(arb: Fields, limit: number): unknown[] | undefined {
  const mapper = arb['mapper'];
  const inner = typeof mapper === 'function' ? enumerate(arb['arb'], limit) : undefined;
  return inner?.map((v) => (mapper as (value: unknown) => unknown)(v));
}

function filtered(arb: Fields, limit: number): unknown[] | undefined {
  const keep = arb['refinement'];
  // The unfiltered domain may be larger than what survives: enumerate it up to a wider bound.
  const inner = typeof keep === 'function' ? enumerate(arb['arb'], limit * 4) : undefined;
  const kept = inner?.filter((v) => (keep as (value: unknown) => boolean)(v));
  return kept && kept.length <= limit ? kept : undefined;
}

function tuples(arbs: unknown, limit: number): unknown[][] | undefined {
  if (!Array.isArray(arbs)) return undefined;
  let product: unknown[][] = [[]];
  for (const part of arbs) {
    const values = enumerate(part, limit);
    if (!values || product.length * values.length > limit) return undefined;
    product = product.flatMap((prefix) => values.map((v) => [...prefix, v]));
  }
  return product;
}

function union(warbs: unknown, limit: number): unknown[] | undefined {
  if (!Array.isArray(warbs)) return undefined;
  const all: unknown[] = [];
  for (const entry of warbs as { arbitrary?: unknown; weight?: unknown }[]) {
    if (entry.weight === 0) continue;
    const values = enumerate(entry.arbitrary, limit);
    if (!values || all.length + values.length > limit) return undefined;
    all.push(...values);
  }
  return all;
}
