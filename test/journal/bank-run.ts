/** Runs the bank of test accounts with a file journal, and replays that journal into a fresh bank. */
import { createSystem, type System } from '../../src/index.js';
import { fileJournal, readJournal, replayJournal } from '../../src/journal/index.js';
import { ACCOUNTS, bank, type AccountEvent } from './machines.js';

export type Sent = [account: (typeof ACCOUNTS)[number], event: Exclude<AccountEvent, { type: 'get' }>];

/** The accounts' contexts and state values, by id. */
export function finalStates(system: System): Record<string, unknown> {
  return Object.fromEntries(
    ACCOUNTS.map((id) => {
      const snapshot = system.lookup(`root/${id}`)?.getSnapshot() as { context: unknown; value: unknown } | undefined;
      return [id, { context: snapshot?.context, value: snapshot?.value }];
    }),
  );
}

/** Runs the bank with a file journal, sends `events`, and returns the final states. */
export async function runJournalled(path: string, events: readonly Sent[]): Promise<Record<string, unknown>> {
  const system = await createSystem({ node: 'original', logger: false, journal: fileJournal(path, { logger: false }) });
  system.spawn(bank, { id: 'root' });
  for (const [id, event] of events) system.lookup(`root/${id}`)?.send(event);
  await system.idle();
  const states = finalStates(system);
  await system.shutdown(); // flushes and closes the journal
  return states;
}

/** Replays the journal at `path` into a fresh bank and returns its final states. */
export async function replayed(path: string): Promise<{ states: Record<string, unknown>; sent: number }> {
  const fresh = await createSystem({ node: 'fresh', logger: false });
  fresh.spawn(bank, { id: 'root' });
  const result = await replayJournal(readJournal(path), fresh);
  const states = finalStates(fresh);
  await fresh.shutdown();
  return { states, sent: result.sent };
}
