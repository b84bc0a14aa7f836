/**
 * The inspector end to end: a 3-node cluster over RabbitMQ (node a supervises children placed on
 * b and c, and serves the page), opened in headless Chromium. The page must show the tree across
 * the nodes, an actor's diagram with its current state highlighted and following it live, a
 * restart without a reload, and a workflow's timeline.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { supervisor, type System } from '../../src/index.js';
import { cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster } from '../broker/broker.js';
import { describeBrowser, launchBrowser } from './browser.js';
import { light, pinger } from './fixtures.js';

const WAIT = { timeout: 15_000 };

describeBroker('the inspector of a 3-node cluster', () => {
  describeBrowser('in a real browser', () => {
    let a: System;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      const cluster = uniqueCluster();
      await startSystem('b', cluster, { light });
      await startSystem('c', cluster, { light });
      a = await startSystem('a', cluster, {}, { inspector: { port: 0, interval: 200 }, placementTimeout: 10_000 });
      a.spawn(
        supervisor({
          children: [
            { id: 'w1', kind: 'light', node: 'b' },
            { id: 'w2', kind: 'light', node: 'c' },
            { id: 'pinger', logic: pinger },
            { id: 'ponger', logic: pinger },
          ],
        }),
        { id: 'root' },
      );
      browser = await launchBrowser();
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(a.inspectorUrl as string);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await shutdownSystems();
      await cleanupClusters();
    });

    const row = (id: string) => `.row[data-path="arbor://a/root/${id}"]`;
    /** The actor rows the virtualised tree shows now (pooled rows out of use are hidden). */
    const shownPaths = () => page.locator('.row[data-path]:visible').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));

    it('shows the nodes and the supervision tree across them, with each child on its host', async () => {
      for (const node of ['a', 'b', 'c']) await page.waitForSelector(`.node-chip[data-node="${node}"]`, WAIT);
      await page.waitForSelector(`${row('w1')} .tag.host:text("on b")`, WAIT);
      await page.waitForSelector(`${row('w2')} .tag.host:text("on c")`, WAIT);
      await page.waitForSelector(`${row('w1')} .tag.state:text("green")`, WAIT);
      expect(await page.locator('.row[data-path="arbor://a/root"] .tag').first().textContent()).toContain('one_for_one');
    });

    it('filters the tree by path, keeping each match’s ancestors, and collapses a subtree', async () => {
      await page.fill('#search', 'ponger');
      await page.waitForSelector(row('w1'), { ...WAIT, state: 'detached' });
      expect(await shownPaths()).toEqual(['arbor://a/root', 'arbor://a/root/ponger']);
      await page.fill('#search', '');
      // The cleared search re-lays the rows out on the next frame: click the caret once it has (a
      // loaded machine can otherwise hit-test the old layout and click another row).
      await expect.poll(shownPaths, WAIT).toEqual(['arbor://a/root', 'arbor://a/root/w1', 'arbor://a/root/w2', 'arbor://a/root/pinger', 'arbor://a/root/ponger']);
      await page.click('.row[data-path="arbor://a/root"] .caret');
      await expect.poll(shownPaths, WAIT).toEqual(['arbor://a/root']);
      await page.click('.row[data-path="arbor://a/root"] .caret');
      await page.waitForSelector(row('w1'), WAIT);
    });

    it('shows a chosen actor’s diagram with its current state highlighted, and follows it live', async () => {
      await page.click(row('w1'));
      await page.waitForSelector('#diagram svg g.node.active[data-state="light.green"]', WAIT);
      a.lookup('root/w1')?.send({ type: 'next' });
      await page.waitForSelector('#diagram svg g.node.active[data-state="light.yellow"]', WAIT);
      expect(await page.locator('#diagram svg g.node.active').count()).toBe(1);
      expect(await page.textContent('#detail-state')).toBe('yellow');
    });

    it('shows a crashed child’s restart without a reload', async () => {
      // A reload would lose this mark.
      await page.evaluate(() => ((globalThis as { __mark?: number }).__mark = 1));
      a.lookup('root/w2')?.send({ type: 'boom' });
      await page.waitForSelector(`${row('w2')} .tag.restarts[data-restarts="1"]`, WAIT);
      await page.waitForSelector(`${row('w2')} .tag.state:text("green")`, WAIT);
      expect(await page.evaluate(() => (globalThis as { __mark?: number }).__mark)).toBe(1);
    });

    it('lists the dead letter of the crash on the node where it happened, with its reason', async () => {
      await page.click('.tabs button[data-tab="dead"]');
      const crash = page.locator('#tab-dead tr', { hasText: 'ACTOR_CRASHED' });
      await crash.first().waitFor(WAIT);
      expect(await crash.first().locator('td').nth(1).textContent()).toBe('c');
      expect(await crash.first().textContent()).toContain('boom');
    });

    it('opens a workflow’s timeline by correlation id, with the actors as lanes', async () => {
      const ponger = a.lookup('root/ponger');
      a.lookup('root/pinger')?.send({ type: 'ping', correlationId: 'order-17', replyTo: ponger });
      await page.click('.tabs button[data-tab="workflows"]');
      await page.click('tr[data-correlation="order-17"]', WAIT);
      await page.waitForSelector('#waterfall [data-step="ping"]', { ...WAIT, state: 'attached' });
      await page.waitForSelector('#waterfall [data-step="pong"]', { ...WAIT, state: 'attached' });
      const lanes = await page.locator('#waterfall .lane-label').allTextContents();
      expect(lanes).toEqual(['root/pinger', 'root/ponger']);
    });
  });
});
