/**
 * The inspector's dead-letter queue view: `GET /api/dlq` lists what `arbor dlq list` lists, and
 * `POST /api/dlq/redrive` does what `arbor dlq redrive` does (the recipient processes the entry;
 * it leaves the queue). With a token the POST must carry it in a header, as JSON, from this
 * origin. Then the same through the page, in Chromium: the Redrive button of an entry.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { supervisor, type System } from '../../src/index.js';
import type { DlqEntry, RedriveReport } from '../../src/transport/dlq.js';
import { brokenWorker } from '../support/broken-worker.js';
import { cleanupClusters, describeBroker, queueDepth, shutdownSystems, startSystem, uniqueCluster, waitFor, waitForDepth } from '../broker/broker.js';
import { describeBrowser, launchBrowser } from './browser.js';
import { join } from 'node:path';
import { localStore } from '../../src/store/LocalStore.js';
import { counter, tempDir } from '../durable/helpers.js';

const TOKEN = 'dlq-test-token';

/** a (serving the page with a token) and b (a worker that crashes while `state.broken`); `n` works dead-lettered. */
async function crashed(n: number, store?: string) {
  const cluster = uniqueCluster();
  const b = await startSystem('b', cluster);
  const a: System = await startSystem('a', cluster, {}, { inspector: { port: 0, interval: 200, token: TOKEN }, ...(store ? { store: localStore(join(store, 'a')) } : {}) });
  await waitFor('a to see b', () => a.nodes().some((x) => x.node === 'b'));
  const state = { broken: true, processed: [] as string[] };
  b.spawn(supervisor({ intensity: 100, children: [{ id: 'w', logic: brokenWorker(state) }] }), { id: 'root' });
  const ref = a.lookup('arbor://b/root/w')!;
  for (let i = 1; i <= n; i++) ref.send({ type: 'work', correlationId: `c-${i}` });
  const dead = `arbor.${cluster}.dead`;
  await waitForDepth(dead, n);
  const base = new URL(a.inspectorUrl as string);
  return { a, state, dead, origin: base.origin };
}

describeBroker('the inspector’s dead-letter queue and redrive', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('lists the queue and redrives an entry by id over HTTP, refusing an unauthenticated or cross-site POST', { timeout: 60_000 }, async () => {
    const { state, dead, origin } = await crashed(2);
    const listed = (await (await fetch(`${origin}/api/dlq?token=${TOKEN}`)).json()) as { available: boolean; entries: DlqEntry[] };
    expect(listed.available).toBe(true);
    expect(listed.entries.map((e) => [e.code, e.recipient, e.correlationId])).toEqual([
      ['ACTOR_CRASHED', 'arbor://b/root/w', 'c-1'],
      ['ACTOR_CRASHED', 'arbor://b/root/w', 'c-2'],
    ]);
    const first = listed.entries[0]!;
    const post = (headers: Record<string, string>, query = '') => fetch(`${origin}/api/dlq/redrive${query}`, { method: 'POST', headers, body: JSON.stringify({ id: first.id }) });
    // The token in the URL is not enough for an action; JSON only; not from another origin.
    expect((await post({ 'content-type': 'application/json' }, `?token=${TOKEN}`)).status).toBe(401);
    expect((await post({ authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', origin: 'http://evil.example' })).status).toBe(403);
    expect(await queueDepth(dead)).toBe(2);

    state.broken = false;
    const res = await post({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect((await res.json()) as RedriveReport).toMatchObject({ redriven: 1, kept: 0, recipients: { 'arbor://b/root/w': 1 } });
    await waitFor('the redriven work to be processed', () => state.processed.length === 1);
    expect(state.processed).toEqual(['c-1']);
    const after = (await (await fetch(`${origin}/api/dlq`, { headers: { 'x-arbor-token': TOKEN } })).json()) as { entries: DlqEntry[] };
    expect(after.entries.map((e) => e.correlationId)).toEqual(['c-2']);
  });

  describeBrowser('in a real browser', () => {
    it('shows the queue’s entries in the dead-letters tab and redrives one with its button; marks a durable actor in the tree', { timeout: 90_000 }, async () => {
      const dir = tempDir();
      const { a, state, dead } = await crashed(1, dir.path);
      a.spawn(counter, { id: 'ledger', durable: true });
      a.spawn(counter, { id: 'plain' });
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(a.inspectorUrl as string);
        await page.waitForSelector('.row[data-path="arbor://a/ledger"] .tag.durable', { timeout: 20_000 });
        expect(await page.locator('.row[data-path="arbor://a/plain"] .tag.durable').count()).toBe(0);
        await page.click('.tabs button[data-tab="dead"]');
        const entry = page.locator('tr.dlq-entry');
        await entry.first().waitFor({ timeout: 20_000 });
        expect(await entry.count()).toBe(1);
        expect(await entry.first().textContent()).toContain('ACTOR_CRASHED');
        state.broken = false;
        await entry.first().locator('button[data-action="dlq-redrive"]').click();
        await page.waitForSelector('.dlq-result:text("redrove 1")', { timeout: 20_000 });
        await waitFor('the redriven work to be processed', () => state.processed.length === 1, 20_000);
        expect(await queueDepth(dead)).toBe(0);
        await page.waitForSelector('.dlq .hint:text("is empty")', { timeout: 20_000 });
      } finally {
        await browser.close();
        await shutdownSystems();
        dir.cleanup();
      }
    });
  });
});
