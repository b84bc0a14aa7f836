/**
 * Coverage-guided random walks, as fuzzers such as AFL do it: keep a corpus of event sequences
 * that each reached something new (a state value, a state node, a move from one value to
 * another, or a new context), and spend the walk budget extending corpus entries, favouring the
 * most recent finds, with random events the snapshot allows. Steps that change nothing are left
 * out of the corpus, so entries stay short and deep states (a tic-tac-toe draw, nine effective
 * moves) come within reach of `maxSteps`. Every step is recorded by the {@link Observations}, so
 * walks add to what is reached, and errors and broken invariants they meet become failures.
 */
import type { EventObject } from 'xstate';
import type { Alphabet } from './alphabet.js';
import { snapshotKey } from './explore.js';
import type { Observations } from './observations.js';

/** Settings of the walks. */
export interface WalkSettings {
  /** Walks to take. */
  readonly runs: number;
  readonly seed: number;
  readonly maxSteps: number;
}

/** Most distinct snapshots remembered as "seen"; past it only state-level novelty counts. */
const SEEN_SNAPSHOTS_LIMIT = 20_000;

/** Tries per step of `maxSteps` a walk may spend on events that change nothing. */
const WASTE_FACTOR = 3;

/** mulberry32: a small, fast, seedable generator; the same seed gives the same walks. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Takes `settings.runs` coverage-guided walks, recording into `obs`. */
export function coverageWalks(obs: Observations, alphabet: Alphabet, settings: WalkSettings): void {
  const random = seededRandom(settings.seed);
  const coverage = new Set<string>();
  const seen = new Set<string>();
  // Seeds: the shortest way to every state value found so far (by the breadth-first search).
  const corpus: EventObject[][] = [[], ...[...obs.values.values()].map((info) => [...info.events])];
  for (let run = 0; run < settings.runs; run++) {
    // Half the time one of the newest finds (the frontier), else any entry.
    const recent = Math.max(1, Math.ceil(corpus.length / 10));
    const index = random() < 0.5 ? corpus.length - 1 - Math.floor(random() * recent) : Math.floor(random() * corpus.length);
    const base = corpus[Math.max(0, index)] ?? [];
    walkFrom(obs, alphabet, base, settings.maxSteps, random, (kept) => corpus.push(kept), { coverage, seen });
  }
}

interface Memory {
  readonly coverage: Set<string>;
  readonly seen: Set<string>;
}

function walkFrom(
  obs: Observations,
  alphabet: Alphabet,
  base: readonly EventObject[],
  maxSteps: number,
  random: () => number,
  found: (kept: EventObject[]) => void,
  memory: Memory,
): void {
  const recording = obs.record();
  try {
    const kept: EventObject[] = [];
    for (const event of base) {
      if (recording.snapshot.status !== 'active') return;
      recording.send(event);
      kept.push(event);
    }
    let before = recording.snapshot;
    // Wasted steps count too, or a walk in a state that ignores every event would never end;
    // they are cheap (nothing changes), so a walk may waste a few per useful one.
    for (let tries = 0; tries < maxSteps * WASTE_FACTOR && kept.length < maxSteps && before.status === 'active'; tries++) {
      const event = alphabet.pick(before, random);
      if (!event) return;
      const after = recording.send(event);
      const fromKey = obs.keyOf(before.value);
      if (after.status !== 'active') {
        noteNew(memory, `${fromKey}->${after.status}`);
        return;
      }
      const key = snapshotKey(obs, after);
      if (key === snapshotKey(obs, before)) continue;
      kept.push(event);
      const toKey = obs.keyOf(after.value);
      const news = [noteNew(memory, `value:${toKey}`), noteNew(memory, `move:${fromKey}->${toKey}`), noteSeen(memory, key)];
      if (news.some(Boolean)) found([...kept]);
      before = after;
    }
  } finally {
    recording.stop();
  }
}

function noteNew(memory: Memory, key: string): boolean {
  if (memory.coverage.has(key)) return false;
  memory.coverage.add(key);
  return true;
}

function noteSeen(memory: Memory, key: string): boolean {
  if (memory.seen.has(key) || memory.seen.size >= SEEN_SNAPSHOTS_LIMIT) return false;
  memory.seen.add(key);
  return true;
}
