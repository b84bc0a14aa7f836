/**
 * Measures the inspector with 10,000 actors: first paint in Chromium, the size of the first
 * snapshot, the server's cost per tick, and how the page keeps up while a tenth of the actors
 * change state every 100 ms (diffs received per second, rows per diff, time to apply a diff, the
 * longest frame). Prints a table and writes the figures as JSON.
 *
 *   npx tsx scripts/inspector-measure.ts [--actors 10000] [--seconds 10] [--out docs/inspector-measure.json]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createMachine } from 'xstate';
import { createSystem, supervisor } from '../src/index.js';
import { diffRows } from '../src/inspector/diff.js';
import { statusRows } from '../src/inspector/rows.js';

const { values } = parseArgs({ options: { actors: { type: 'string' }, seconds: { type: 'string' }, out: { type: 'string' } } });
const ACTORS = Number(values.actors ?? 10_000);
const SECONDS = Number(values.seconds ?? 10);
const PER_SUPERVISOR = 100;

const light = createMachine({ id: 'light', initial: 'green', states: { green: { on: { next: 'yellow' } }, yellow: { on: { next: 'red' } }, red: { on: { next: 'green' } } } });

const system = await createSystem({ node: 'measure', logger: false, inspector: { port: 0, interval: 1000 } });
const groups = Math.ceil(ACTORS / PER_SUPERVISOR);
const paths: string[] = [];
for (let g = 0; g < groups; g++) {
  const n = Math.min(PER_SUPERVISOR, ACTORS - g * PER_SUPERVISOR);
  system.spawn(supervisor({ children: Array.from({ length: n }, (_, i) => ({ id: `w${i}`, logic: light })) }), { id: `team${g}` });
  for (let i = 0; i < n; i++) paths.push(`team${g}/w${i}`);
}
await system.idle();

// The server's work per tick: describe, rows, diff (what the loop does besides JSON and the network).
const tickStarted = performance.now();
const before = statusRows(await system.clusterStatus());
for (const p of paths.slice(0, ACTORS / 10)) system.lookup(p)?.send({ type: 'next' });
await system.idle();
const after = statusRows(await system.clusterStatus());
const diff = diffRows(before, after);
const tickMs = (performance.now() - tickStarted) / 2;
const snapshotBytes = Buffer.byteLength(JSON.stringify([...after.values()]));
const diffBytes = Buffer.byteLength(JSON.stringify(diff));

// Let the server's loop take a status with every actor in it before the page opens.
await new Promise((r) => setTimeout(r, 1500));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const navStarted = Date.now();
await page.goto(system.inspectorUrl as string);
// Strings, not functions: tsx would wrap functions in helpers the page does not have.
await page.waitForFunction('window.__arbor.firstPaint !== undefined', undefined, { timeout: 30_000 });
const firstPaint = (await page.evaluate('window.__arbor.firstPaint')) as number;
const rowsInDom = await page.locator('.row').count();
const wallToPaint = Date.now() - navStarted;

// Longest frame while updates stream in.
await page.evaluate(`(() => {
  const f = (window.__frames = { max: 0, last: performance.now(), n: 0 });
  const loop = (t) => { f.max = Math.max(f.max, t - f.last); f.last = t; f.n++; requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
})()`);
type Probe = { updates: number; rowsUpdated: number; lastApplyMs?: number };
const probe = async () => (await page.evaluate('({ ...window.__arbor })')) as Probe;
const start = await probe();
let sent = 0;
const churn = setInterval(() => {
  for (let i = 0; i < ACTORS / 10; i++) {
    system.lookup(paths[Math.floor(Math.random() * paths.length)] as string)?.send({ type: 'next' });
    sent++;
  }
}, 100);
const applyTimes: number[] = [];
const until = Date.now() + SECONDS * 1000;
while (Date.now() < until) {
  await new Promise((r) => setTimeout(r, 250));
  const t = (await probe()).lastApplyMs;
  if (t !== undefined) applyTimes.push(t);
}
clearInterval(churn);
const end = await probe();
const frames = (await page.evaluate('window.__frames')) as { max: number; n: number };

// Scrolling to the far end of the list.
const scrollMs = (await page.evaluate(`(async () => {
  const tree = document.getElementById('tree');
  const t0 = performance.now();
  tree.scrollTop = tree.scrollHeight;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
})()`)) as number;
await browser.close();
await system.shutdown();

const updates = end.updates - start.updates;
const figures = {
  actors: paths.length + groups,
  snapshotKiB: Math.round(snapshotBytes / 1024),
  firstPaintMs: Math.round(firstPaint),
  navigationToPaintMs: wallToPaint,
  rowsInDom,
  serverTickMs: Math.round(tickMs),
  diffRowsPerTenthChanged: diff.upsert.length,
  diffKiB: Math.round(diffBytes / 1024),
  messagesSentPerSecond: Math.round(sent / SECONDS),
  diffsPerSecond: +(updates / SECONDS).toFixed(2),
  rowsPerDiff: updates ? Math.round((end.rowsUpdated - start.rowsUpdated) / updates) : 0,
  applyMsMedian: applyTimes.length ? Math.round(applyTimes.sort((a, b) => a - b)[Math.floor(applyTimes.length / 2)] as number) : null,
  longestFrameMs: Math.round(frames.max),
  framesPerSecond: Math.round(frames.n / SECONDS),
  scrollToEndMs: Math.round(scrollMs),
};
for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(26)} ${v}`);
if (values.out) await writeFile(values.out, JSON.stringify(figures, null, 2) + '\n');
process.exit(0);
