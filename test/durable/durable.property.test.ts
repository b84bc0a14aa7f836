import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { System } from '../../src/create-system.js';
import type { ActorRef } from '../../src/runtime/ref.js';
import { supervisor } from '../../src/supervision/supervisor.js';
import { counter, systemAt, tempDir, until } from './helpers.js';

type Op = { op: 'send'; id: number } | { op: 'crash' } | { op: 'restart' } | { op: 'kill' };

const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('send' as const), id: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 1, arbitrary: fc.constant({ op: 'crash' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'kill' as const }) },
  ),
  { minLength: 1, maxLength: 25 },
);

const tree = supervisor({ intensity: 1000, children: [{ id: 'c', logic: counter, durable: true }] });
const countOf = (ref: ActorRef | undefined): number | undefined => (ref?.getSnapshot() as { context?: { count: number } } | undefined)?.context?.count;

describe('a durable actor under random messages, crashes, restarts and kills', () => {
  it('ends with the count of a model that applies each message id once', async () => {
    await fc.assert(
      fc.asyncProperty(ops, async (script: Op[]) => {
        const dir = tempDir();
        const abandoned: System[] = [];
        let system = await systemAt(dir.path);
        system.spawn(tree, { id: 'root' });
        // The sender's log: after a restart or kill it delivers everything again (at least once).
        const sent: number[] = [];
        const applied = new Set<number>();
        const start = async (): Promise<void> => {
          system = await systemAt(dir.path);
          system.spawn(tree, { id: 'root' });
          for (const id of sent) system.lookup('root/c')?.send({ type: 'inc', by: id + 1, messageId: `m${id}` });
        };
        try {
          for (const step of script) {
            if (step.op === 'send') {
              sent.push(step.id);
              applied.add(step.id);
              system.lookup('root/c')?.send({ type: 'inc', by: step.id + 1, messageId: `m${step.id}` });
            } else if (step.op === 'crash') {
              system.lookup('root/c')?.send({ type: 'boom' });
            } else if (step.op === 'restart') {
              await system.shutdown();
              await start();
            } else {
              // Abandoned without a shutdown: it may still commit, until the new incarnation's lease fences it.
              abandoned.push(system);
              await start();
            }
          }
          const expected = [...applied].reduce((sum, id) => sum + id + 1, 0);
          await until(() => countOf(system.lookup('root/c')) === expected);
          await system.idle();
          await new Promise((resolve) => setTimeout(resolve, 5));
          expect(countOf(system.lookup('root/c'))).toBe(expected);
          await system.shutdown();
          // What was committed is the same: a fresh start resumes exactly the model's count.
          const check = await systemAt(dir.path);
          check.spawn(tree, { id: 'root' });
          await until(() => countOf(check.lookup('root/c')) !== undefined);
          expect(countOf(check.lookup('root/c'))).toBe(expected);
          await check.shutdown();
        } finally {
          for (const old of abandoned) await old.shutdown();
          dir.cleanup();
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
