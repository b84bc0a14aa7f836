/** The canonical agent of `examples/agent.ts`: timeout, retries with backoff, budget, supervision. */
import { afterEach, describe, expect, it } from 'vitest';
import { agent, type AgentOptions, type ModelCall, type ModelReply } from '../../examples/agent.js';
import { Budget, createSystem, SimulatedClock, supervisor, type System } from '../../src/index.js';

let system: System | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

/** A model whose calls are answered (or not) by the test: each call's `settle` and whether it was aborted. */
function scriptedModel() {
  const calls: { attempt: number; resolve: (r: ModelReply) => void; reject: (e: Error) => void; aborted: () => boolean }[] = [];
  const model: ModelCall = (_prompt, attempt, signal) =>
    new Promise((resolve, reject) => {
      let aborted = false;
      signal.addEventListener('abort', () => (aborted = true), { once: true });
      calls.push({ attempt, resolve, reject, aborted: () => aborted });
    });
  return { model, calls };
}

async function start(options: Partial<AgentOptions> & { model: ModelCall }, intensity = 1) {
  const clock = new SimulatedClock();
  system = await createSystem({ logger: false, clock });
  const budget = options.budget ?? new Budget({ name: 'tokens', limit: 1000 });
  const logic = agent({ budget, timeout: 1000, maxAttempts: 3, backoff: 100, minTokens: 100, ...options });
  const reports: string[] = [];
  system.on('report', (r) => reports.push(`${r.kind} ${r.child}`));
  const root = system.spawn(supervisor({ intensity, aggregate: { policy: 'all' }, children: [{ id: 'a', logic, input: { question: 'q' }, restart: 'transient' }] }), { id: 'root' });
  await system.idle();
  return { clock, budget, root, reports, idle: () => system!.idle() };
}

describe('the canonical agent', () => {
  it('answers with the first reply and charges the budget what it cost', async () => {
    const { model, calls } = scriptedModel();
    const { root, budget, idle } = await start({ model });
    calls[0]!.resolve({ text: 'yes', tokens: 120 });
    await idle();
    expect(await root.result()).toEqual({ a: { ok: true, answer: 'yes', attempts: 1, tokens: 120 } });
    expect(budget.used).toBe(120);
  });

  it('aborts a call that outlives its timeout and retries after a doubling backoff', async () => {
    const { model, calls } = scriptedModel();
    const { root, clock, idle } = await start({ model });
    clock.increment(1000); // call 1 times out
    await idle();
    expect(calls[0]!.aborted()).toBe(true);
    expect(calls).toHaveLength(1);
    clock.increment(100); // first backoff: 100 ms
    await idle();
    expect(calls).toHaveLength(2);
    calls[1]!.reject(new Error('overloaded'));
    await idle();
    clock.increment(199);
    await idle();
    expect(calls).toHaveLength(2); // second backoff: 200 ms
    clock.increment(1);
    await idle();
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    calls[2]!.resolve({ text: 'finally', tokens: 100 });
    await idle();
    expect(await root.result()).toEqual({ a: { ok: true, answer: 'finally', attempts: 3, tokens: 100 } });
  });

  it('crashes after its last attempt, and its supervisor restarts it with fresh attempts', async () => {
    const { model, calls } = scriptedModel();
    const { root, clock, reports, idle } = await start({ model, maxAttempts: 2 });
    calls[0]!.reject(new Error('down'));
    await idle();
    clock.increment(100);
    await idle();
    calls[1]!.reject(new Error('still down'));
    await idle();
    expect(reports).toContain('child_restarted a');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 1]);
    calls[2]!.resolve({ text: 'back', tokens: 100 });
    await idle();
    expect(await root.result()).toEqual({ a: { ok: true, answer: 'back', attempts: 1, tokens: 100 } });
  });

  it('stops normally without calling the model when the budget cannot cover a call', async () => {
    const { model, calls } = scriptedModel();
    const budget = new Budget({ name: 'tokens', limit: 1000 });
    budget.draw(950);
    const { root, reports } = await start({ model, budget });
    expect(calls).toHaveLength(0);
    expect(await root.result()).toEqual({ a: { ok: false, reason: 'budget', attempts: 0, tokens: 0 } });
    expect(reports).not.toContain('child_restarted a');
  });
});
