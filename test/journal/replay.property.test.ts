import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCOUNTS } from './machines.js';
import { replayed, runJournalled } from './bank-run.js';
import { tempJournal } from './helpers.js';

const accountEvent = fc.oneof(
  fc.record({ type: fc.constant('deposit' as const), amount: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ type: fc.constant('withdraw' as const), amount: fc.integer({ min: 1, max: 100 }) }),
  fc.constant({ type: 'freeze' as const }),
  fc.constant({ type: 'thaw' as const }),
  fc.constant({ type: 'crash' as const }),
);
const sent = fc.tuple(fc.constantFrom(...ACCOUNTS), accountEvent);

describe('replayJournal (property)', () => {
  it('reproduces the final states for any sequence of events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sent, { maxLength: 40 }), async (events) => {
        const path = await tempJournal();
        const original = await runJournalled(path, events);
        const { states, sent: count } = await replayed(path);
        expect(count).toBe(events.length);
        expect(states).toEqual(original);
      }),
      { numRuns: 40, seed: Number(process.env.FC_SEED ?? 7) },
    );
  });
});
