import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localStore } from '../../src/store/LocalStore.js';
import { exited, processScope, startScript, until } from './helpers.js';

const script = join(import.meta.dirname, 'fixtures', 'timer-node.ts');

const start = (storePath: string, ledger: string) => startScript(script, [storePath, ledger]);

const scope = processScope();

describe('a durable root in a process that is SIGKILLed and started again under the same node id', () => {
  it('resumes, and its pending after timer fires exactly once', async () => {
    const dir = scope.dir();
    const storePath = join(dir.path, 'store');
    const ledger = join(dir.path, 'ledger');
    const first = start(storePath, ledger);
    scope.track(first.child);
    // Killed once its wait (with the pending timer) is committed, well before the 8000 ms are up
    // (a long wait, so a loaded machine cannot let the timer fire before the kill).
    const store = localStore(storePath);
    await until(() => first.out().includes('started'), 20_000);
    let timers = 0;
    const deadline = Date.now() + 6000;
    while (timers === 0 && Date.now() < deadline) {
      timers = (await store.load('arbor://k/r'))?.timers.length ?? 0;
      if (timers === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(timers).toBe(1);
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(existsSync(ledger)).toBe(false);

    const second = start(storePath, ledger);
    scope.track(second.child);
    await until(() => second.out().includes('exited'), 20_000);
    await exited(second.child);
    expect(readFileSync(ledger, 'utf8')).toBe('fired\n');
    // It ended normally: its state is gone.
    expect(await store.load('arbor://k/r')).toBeUndefined();
    await store.close();
  }, 60_000);
});
