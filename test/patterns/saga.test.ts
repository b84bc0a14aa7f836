import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkMachine, saga, toMermaid, type SagaOutput, type SagaStep } from '../../src/index.js';
import { testSystem } from '../fixtures/workers.js';
import { memoryLogger, resultAfter, settle } from './helpers.js';

/** A step that logs what it does and fails when told to; its compensation fails `undoFailures` times first. */
function step(name: string, log: string[], opts: { fail?: boolean; undoFailures?: number; noUndo?: boolean } = {}): SagaStep<{ order: string }> {
  let undoFailures = opts.undoFailures ?? 0;
  return {
    name,
    run: async ({ input }) => {
      log.push(`run:${name}`);
      if (opts.fail) throw new Error(`${name} refused ${input.order}`);
      return `${name}-ok`;
    },
    ...(opts.noUndo
      ? {}
      : {
          compensate: async ({ result }) => {
            log.push(`undo:${name}:${String(result)}`);
            if (undoFailures-- > 0) throw new Error(`${name} undo unavailable`);
          },
        }),
  };
}

async function runSaga(steps: SagaStep<{ order: string }>[], extra: Partial<Parameters<typeof saga>[0]> = {}, advance: number[] = []) {
  const t = await testSystem();
  return resultAfter<SagaOutput>(t, t.system.spawn(saga({ steps, ...extra } as never), { id: 'saga', input: { order: 'o-1' } }), advance);
}

describe('saga', () => {
  it('runs every step in order and completes with their results', async () => {
    const log: string[] = [];
    const out = await runSaga([step('reserve', log), step('charge', log), step('ship', log)]);
    expect(out).toEqual({ status: 'completed', results: { reserve: 'reserve-ok', charge: 'charge-ok', ship: 'ship-ok' }, compensated: [] });
    expect(log).toEqual(['run:reserve', 'run:charge', 'run:ship']);
  });

  it('compensates the completed steps in reverse order when a step fails, recording which and why', async () => {
    const log: string[] = [];
    const out = await runSaga([step('reserve', log), step('notify', log, { noUndo: true }), step('charge', log), step('ship', log, { fail: true })]);
    expect(log).toEqual(['run:reserve', 'run:notify', 'run:charge', 'run:ship', 'undo:charge:charge-ok', 'undo:reserve:reserve-ok']);
    expect(out).toMatchObject({ status: 'compensated', failedStep: 'ship', reason: 'ship refused o-1', compensated: ['charge', 'reserve'] });
  });

  it('retries a failing compensation with exponential backoff on the clock', async () => {
    const log: string[] = [];
    const t = await testSystem();
    const ref = t.system.spawn(saga({ steps: [step('reserve', log, { undoFailures: 2 }), step('charge', log, { fail: true })], retry: { attempts: 3, min: 100, factor: 2 } }), {
      id: 'saga',
      input: { order: 'o-1' },
    });
    await settle(t.system);
    const undos = () => log.filter((l) => l.startsWith('undo')).length;
    expect(undos()).toBe(1);
    t.clock.increment(99);
    await settle(t.system);
    expect(undos()).toBe(1); // the first retry waits 100 ms
    t.clock.increment(1);
    await settle(t.system);
    expect(undos()).toBe(2);
    t.clock.increment(199);
    await settle(t.system);
    expect(undos()).toBe(2); // the second waits 200 ms
    t.clock.increment(1);
    await settle(t.system);
    expect(await ref.result()).toMatchObject({ status: 'compensated', compensated: ['reserve'] });
    await t.system.shutdown();
  });

  it('ends failed, naming the compensation that failed for good and how often it was tried', async () => {
    const log: string[] = [];
    const { logger, lines } = memoryLogger();
    const steps = [step('reserve', log), step('charge', log, { undoFailures: 99 }), step('ship', log, { fail: true })];
    const out = await runSaga(steps, { retry: { attempts: 2, min: 10 }, logger }, [10]);
    expect(out).toMatchObject({
      status: 'failed',
      failedStep: 'ship',
      compensationFailed: { step: 'charge', reason: 'charge undo unavailable', attempts: 2 },
      compensated: [],
    });
    // The compensation chain stops at the failure: reserve is not undone behind a failed charge undo.
    expect(log.filter((l) => l.startsWith('undo:reserve'))).toEqual([]);
    expect(lines.find((l) => l.msg === 'saga failed')).toMatchObject({ saga: 'saga', level: 50 });
  });

  it('treats its timeout as a failure of the running step and compensates', async () => {
    const log: string[] = [];
    const hang: SagaStep<{ order: string }> = { name: 'hang', run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) };
    const out = await runSaga([step('reserve', log), hang], { timeout: 1000 }, [1000]);
    expect(out).toMatchObject({ status: 'compensated', failedStep: 'hang', reason: 'saga timed out after 1000 ms', compensated: ['reserve'] });
  });

  it('compensates exactly the completed compensable steps, in reverse, for any failing step (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), fc.nat(), async (undoable, f) => {
        const failAt = f % (undoable.length + 1); // == length: nothing fails
        const log: string[] = [];
        const steps = undoable.map((u, i) => step(`s${i}`, log, { fail: i === failAt, noUndo: !u }));
        const out = await runSaga(steps);
        const expected = undoable.map((u, i) => (u && i < failAt ? `s${i}` : undefined)).filter((s) => s !== undefined).reverse();
        expect(out.status).toBe(failAt === undoable.length ? 'completed' : 'compensated');
        expect(out.compensated).toEqual(failAt === undoable.length ? [] : expected);
      }),
      { numRuns: 40 },
    );
  });

  it('is a machine the diagram and check tools read as the saga plan', async () => {
    const log: string[] = [];
    const machine = saga({ id: 'order', steps: [step('reserve', log), step('charge', log)] });
    const mermaid = toMermaid(machine);
    for (const s of ['run_reserve', 'run_charge', 'undo_reserve', 'wait_reserve', 'compensated', 'failed']) expect(mermaid).toContain(s);
    // Invoked steps' completions are given as events (an error event sent while another step
    // runs would crash any machine, so only completions are explored here).
    const ok = fc.record({ output: fc.constant('x') });
    const events = { 'xstate.done.actor.0.order.running.run_reserve': ok, 'xstate.done.actor.0.order.running.run_charge': ok };
    const report = await checkMachine(machine, { events, input: { order: 'o' } });
    expect(report.failures.filter((f) => f.kind !== 'unreachable')).toEqual([]);
    expect(report.failures.map((f) => f.state)).not.toContain('order.completed');
  });

  it('rejects bad specs, naming the field', () => {
    const run = () => 1;
    expect(() => saga({ steps: [] })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'steps' }));
    expect(() => saga({ steps: [{ name: 'a.b', run }] })).toThrow(expect.objectContaining({ field: 'steps[0].name', value: 'a.b' }));
    expect(() => saga({ steps: [{ name: 'a', run }, { name: 'a', run }] })).toThrow(expect.objectContaining({ field: 'steps[1].name' }));
    expect(() => saga({ steps: [{ name: 'a', run: 1 as never }] })).toThrow(expect.objectContaining({ field: 'steps[0].run' }));
    expect(() => saga({ steps: [{ name: 'a', run }], retry: { attempts: 0 } })).toThrow(expect.objectContaining({ field: 'retry.attempts' }));
  });
});
