/** `npm start -- --broker URL --nodes 3 --kill-node`: the publisher's node SIGKILLed mid-saga, the saga resumed on another node. */
import { expect, it } from 'vitest';
import { AMQP_URL, describeBroker } from '../broker/broker.js';
import { runMain, tempOut } from './helpers.js';

describeBroker('the main demo with --kill-node', () => {
  it('kills the node running the publisher once two saga steps are committed; the saga resumes on the other node and runs neither again', async () => {
    const out = await tempOut();
    const r = await runMain(['--broker', AMQP_URL, '--nodes', '3', '--kill-node', '--speed', '0.5', '--no-live', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/outcome\s+published/);
    const kill = /SIGKILLed (node-\d) during publish attempt (\d+), with (\S+), (\S+) committed; the saga resumed on (node-\d)/.exec(r.stdout);
    expect(kill).not.toBeNull();
    const [, killed, attempt, first, second, resumedOn] = kill!;
    expect(resumedOn).not.toBe(killed);
    expect([first, second]).toEqual(['reserve_slot', 'render_pages']);

    const ledger = r.stdout.split('\n').map((l) => l.trim()).filter((l) => /^node-\d \d+ \w+$/.test(l));
    const runs = (step: string) => ledger.filter((l) => l.endsWith(` ${attempt} ${step}`));
    // The committed steps ran once, on the killed node.
    expect(runs('reserve_slot')).toEqual([`${killed} ${attempt} reserve_slot`]);
    expect(runs('render_pages')).toEqual([`${killed} ${attempt} render_pages`]);
    // What came after them ran on the node the saga resumed on (the step running at the kill
    // may also have finished on the killed node: at least once), and the workflow went on.
    const after = ledger.slice(ledger.indexOf(`${killed} ${attempt} render_pages`) + 1);
    expect(after.filter((l) => !l.startsWith(`${killed} ${attempt} upload_assets`)).every((l) => l.startsWith(`${resumedOn} `))).toBe(true);
    expect(runs('publish_page').length).toBe(1);
    expect(ledger.at(-1)).toBe(`${resumedOn} 2 publish_page`);
  }, 120_000);
});
