import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { localStore } from '../../src/store/LocalStore.js';
import { AMQP_URL, describeBroker } from '../broker/broker.js';
import { arbor, ROOT } from '../cli/run-cli.js';
import { exited, processScope, startScript, until } from './helpers.js';

const EXAMPLE = join(ROOT, 'examples', 'approval.ts');

const startExample = (cluster: string, store: string) => startScript(EXAMPLE, ['--broker', AMQP_URL, '--cluster', cluster, '--store', store], ROOT);

const scope = processScope();

describeBroker('the human-in-the-loop example (examples/approval.ts)', () => {
  it('waits for approval across a SIGKILL and a restart, and arbor send resumes it', async () => {
    const dir = scope.dir();
    const cluster = `approval-${randomUUID().slice(0, 8)}`;
    const storePath = join(dir.path, 'store');
    const first = startExample(cluster, storePath);
    scope.track(first.child);
    await until(() => first.out().includes('awaiting approval'), 30_000);
    // Killed once the wait is committed.
    const store = localStore(storePath);
    for (let i = 0; i < 2000; i++) {
      const state = await store.load('arbor://approvals/post');
      if ((state?.snapshot as { value?: string } | undefined)?.value === 'awaitingApproval') break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(((await store.load('arbor://approvals/post'))?.snapshot as { value?: string }).value).toBe('awaitingApproval');
    first.child.kill('SIGKILL');
    await exited(first.child);

    const second = startExample(cluster, storePath);
    scope.track(second.child);
    await until(() => second.out().includes('awaiting approval'), 30_000);
    const sent = await arbor(['send', 'arbor://approvals/post', '{"type":"approve","by":"ana"}', '--broker', AMQP_URL, '--cluster', cluster]);
    expect(sent).toMatchObject({ code: 0, stdout: 'sent approve to arbor://approvals/post\n' });
    await until(() => second.out().includes('published'), 30_000);
    expect(second.out()).toContain('published (approved by ana)');
    await exited(second.child);
    expect(await store.load('arbor://approvals/post')).toBeUndefined();
    await store.close();
  }, 120_000);
});
