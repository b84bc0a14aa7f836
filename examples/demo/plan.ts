/**
 * The demo's script, derived from one seed: which researcher crashes, how often the publish
 * step fails, which compensation is flaky, and every agent's latency and token use. Each value
 * is a pure function of (seed, key), not of call order, so concurrent agents on any node draw
 * the same numbers run after run.
 */

export type Stage = 'plan' | 'research' | 'write' | 'review' | 'publish';
export const STAGES: readonly Stage[] = ['plan', 'research', 'write', 'review', 'publish'];

/** The research topics; one researcher agent per topic, named after it. */
export const TOPICS = ['market', 'competitors', 'pricing', 'benchmarks'] as const;

/** The publish saga's steps, in order; all but the last can be undone. */
export const PUBLISH_STEPS = ['reserve_slot', 'render_pages', 'upload_assets', 'publish_page'] as const;

/** Everything an agent needs to know of the script: plain data, so it travels to other nodes. */
export interface DemoPlan {
  seed: number;
  /** Latency multiplier (1 = the normal pace; tests run faster). */
  speed: number;
  brief: string;
  topics: string[];
  /** The researcher that crashes on its first request. */
  crashingResearcher: string;
  /** The publish step fails on saga attempts 1..publishFailures. */
  publishFailures: number;
  /** Saga attempts the publisher makes before it gives up (the saga then ends `compensated`). */
  publishAttempts: number;
  /** The compensation that fails once (and is retried with backoff) in the first saga. */
  flakyCompensation: string;
}

/** Token limits: the whole workflow, and each stage's share of it. */
export const TOKEN_LIMITS: { total: number; stages: Record<Stage, number> } = {
  total: 20_000,
  stages: { plan: 1_000, research: 12_000, write: 4_000, review: 1_500, publish: 1_500 },
};

const LATENCY: Record<Stage, [number, number]> = {
  plan: [150, 250],
  research: [250, 900],
  write: [400, 650],
  review: [250, 400],
  publish: [70, 150],
};

const TOKENS: Record<Stage, [number, number]> = {
  plan: [300, 500],
  research: [900, 1_800],
  write: [1_500, 2_500],
  review: [500, 900],
  publish: [100, 200],
};

/** A uniform number in [0, 1) from the seed and a key (FNV-1a, then one mulberry32 round). */
export function uniform(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  let t = (h + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

function between(seed: number, key: string, [lo, hi]: [number, number]): number {
  return Math.round(lo + uniform(seed, key) * (hi - lo));
}

/** The script of a run. */
export function makePlan(seed: number, speed = 1, publishFailures = 1): DemoPlan {
  const topics = [...TOPICS];
  const compensable = PUBLISH_STEPS.slice(0, -1);
  return {
    seed,
    speed,
    brief: 'Launch post: "Arbor, supervision trees for agents"',
    topics,
    crashingResearcher: topics[Math.floor(uniform(seed, 'crash') * topics.length)]!,
    publishFailures,
    publishAttempts: 2,
    flakyCompensation: compensable[Math.floor(uniform(seed, 'flaky') * compensable.length)]!,
  };
}

/** Simulated work time of one job, ms (already scaled by `speed`). */
export function latencyOf(plan: DemoPlan, stage: Stage, key: string): number {
  return Math.max(1, Math.round(between(plan.seed, `latency:${stage}:${key}`, LATENCY[stage]) * plan.speed));
}

/** Tokens one job uses. */
export function tokensOf(plan: DemoPlan, stage: Stage, key: string): number {
  return between(plan.seed, `tokens:${stage}:${key}`, TOKENS[stage]);
}

/** Resolves after `ms` on the wall clock, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    });
  });
}
