import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GatherOutput } from '../../src/patterns/scatter-gather.js';
import { localStore } from '../../src/store/LocalStore.js';
import { exited, processScope, startScript, until } from './helpers.js';

const script = join(import.meta.dirname, 'fixtures', 'gather-node.ts');
const scope = processScope();

const asked = (ledger: string) => readFileSync(ledger, 'utf8').split('\n').filter((l) => l !== '');
const count = (lines: readonly string[], name: string) => lines.filter((l) => l === name).length;

describe('a durable scatterGather in a process that is SIGKILLed after 2 of 4 replies', () => {
  it('resumes in a new process with those 2 replies and asks only the other 2 workers again', async () => {
    const dir = scope.dir();
    const storePath = join(dir.path, 'store');
    const ledger = join(dir.path, 'ledger');
    const first = startScript(script, [storePath, ledger, 'w2,w3']);
    scope.track(first.child);
    const store = localStore(storePath);
    await until(() => first.out().includes('started'), 20_000);
    // Killed once the two replies are committed (w2 and w3 never answer this process).
    let results = 0;
    const deadline = Date.now() + 20_000;
    while (results < 2 && Date.now() < deadline) {
      results = ((await store.load('arbor://g/gather'))?.snapshot as { context?: { results?: unknown[] } } | undefined)?.context?.results?.length ?? 0;
      if (results < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(results).toBe(2);
    await until(() => existsSync(ledger) && asked(ledger).length === 4, 20_000);
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(asked(ledger).sort()).toEqual(['w0', 'w1', 'w2', 'w3']);

    const second = startScript(script, [storePath, ledger, '']);
    scope.track(second.child);
    await until(() => second.out().includes('done '), 20_000);
    await exited(second.child);
    const out = JSON.parse(second.out().split('done ')[1]!.split('\n')[0]!) as GatherOutput<{ value: string }>;
    expect(out.ok).toBe(true);
    expect(out.results.map((r) => r.reply.value).sort()).toEqual(['w0', 'w1', 'w2', 'w3']);
    // The ledger counts the asks: w0 and w1 once (their replies were committed), w2 and w3 twice.
    const lines = asked(ledger);
    expect(['w0', 'w1', 'w2', 'w3'].map((n) => count(lines, n))).toEqual([1, 1, 2, 2]);
    // It ended normally: its state is gone.
    expect(await store.load('arbor://g/gather')).toBeUndefined();
    await store.close();
  }, 60_000);
});
