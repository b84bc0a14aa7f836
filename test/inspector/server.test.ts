/**
 * The inspector's server over HTTP, for an embedded system: the token, the JSON API, the metrics
 * hook, and the event stream (a snapshot first, then diffs of what changed only).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSystem, supervisor, type System } from '../../src/index.js';
import { startInspector } from '../../src/inspector/index.js';
import { light } from './fixtures.js';

let system: System | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

async function serve(token?: string): Promise<{ system: System; base: string }> {
  system = await createSystem({ logger: false, inspector: { port: 0, interval: 50, ...(token ? { token } : {}) } });
  system.spawn(supervisor({ children: [{ id: 'w1', logic: light }, { id: 'w2', logic: light }] }), { id: 'root' });
  const url = new URL(system.inspectorUrl as string);
  return { system, base: `${url.origin}/` };
}

/** Reads server-sent events from `res` until `until` returns true for the list so far. */
async function readEvents(res: Response, until: (events: Array<{ name: string; data: unknown }>) => boolean): Promise<Array<{ name: string; data: unknown }>> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Array<{ name: string; data: unknown }> = [];
  let text = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (name && data) events.push({ name, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

describe('the inspector server', () => {
  it('serves the page, its script and its styles from the package', async () => {
    const { base } = await serve();
    const page = await fetch(base);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    const script = await fetch(base + 'app.js');
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await script.text()).length).toBeGreaterThan(1000);
    expect((await fetch(base + 'app.css')).status).toBe(200);
  }, 30_000);

  it('answers GET /api/status with clusterStatus()', async () => {
    const { base, system } = await serve();
    const status = (await (await fetch(base + 'api/status')).json()) as { trees: Array<{ node: string; roots: unknown[] }> };
    expect(status.trees[0]?.node).toBe(system.node);
    expect(status.trees[0]?.roots).toHaveLength(1);
  });

  it('requires the token when one is set, as a header or a query parameter', async () => {
    const { base } = await serve('t0ken');
    expect((await fetch(base + 'api/status')).status).toBe(401);
    expect((await fetch(base + 'api/status?token=wrong')).status).toBe(401);
    expect((await fetch(base + 'api/status?token=t0ken')).status).toBe(200);
    expect((await fetch(base + 'api/status', { headers: { authorization: 'Bearer t0ken' } })).status).toBe(200);
    expect(system?.inspectorUrl).toMatch(/\?token=t0ken$/);
    // The page's own files hold no data and load without it (a browser fetches app.js without the page's query).
    for (const asset of ['', 'app.js', 'app.css']) expect((await fetch(base + asset)).status).toBe(200);
    expect((await fetch(base + 'events')).status).toBe(401);
    expect((await fetch(base + 'api/dlq')).status).toBe(401);
  });

  it('answers /metrics with 404 and a reason while the system keeps no metrics', async () => {
    const { base } = await serve();
    const res = await fetch(base + 'metrics');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toContain('createSystem({ metrics: true })');
  });

  it('gives an actor’s detail and its diagram as SVG', async () => {
    const { base, system } = await serve();
    await system.idle();
    const path = encodeURIComponent(`arbor://${system.node}/root/w1`);
    expect(await (await fetch(`${base}api/actor?path=${path}`)).json()).toMatchObject({ state: 'green', activeStates: ['light', 'light.green'] });
    const svg = await fetch(`${base}api/diagram?path=${path}`);
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    expect(await svg.text()).toContain('<title>light.green</title>');
    expect((await fetch(`${base}api/actor?path=${encodeURIComponent('arbor://nowhere/x')}`)).status).toBe(404);
  }, 30_000);

  it('streams a snapshot first, then only the rows that changed', async () => {
    const { base, system } = await serve();
    // The first status may predate the spawn: wait for a tick that saw the actors.
    const deadline = Date.now() + 5000;
    while (((await (await fetch(base + 'api/snapshot')).json()) as { rows: unknown[] }).rows.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const res = await fetch(base + 'events');
    const first = await readEvents(res, (events) => events.length >= 1);
    expect(first[0]?.name).toBe('snapshot');
    expect((first[0]?.data as { rows: unknown[] }).rows).toHaveLength(3);
    const more = await fetch(base + 'events');
    const next = readEvents(more, (events) => events.some((e) => e.name === 'tree'));
    system.lookup('root/w2')?.send({ type: 'next' });
    const tree = (await next).find((e) => e.name === 'tree')?.data as { upsert: Array<{ path: string; state: string }>; remove: string[] };
    expect(tree.upsert).toEqual([expect.objectContaining({ path: `arbor://${system.node}/root/w2`, state: 'yellow' })]);
    expect(tree.remove).toEqual([]);
  });

  it('lists workflows by correlation id from the live buffer', async () => {
    const { base, system } = await serve();
    system.lookup('root/w1')?.send({ type: 'next', correlationId: 'wf-9' });
    system.lookup('root/w2')?.send({ type: 'next', correlationId: 'wf-9' });
    await system.idle();
    const list = (await (await fetch(base + 'api/workflows')).json()) as { source: string; workflows: Array<{ correlationId: string; steps: number }> };
    expect(list).toMatchObject({ source: 'live', workflows: [{ correlationId: 'wf-9', steps: 2 }] });
    const wf = (await (await fetch(base + 'api/workflow?id=wf-9')).json()) as { steps: Array<{ to: string; type: string }> };
    expect(wf.steps.map((s) => s.to)).toEqual([`arbor://${system.node}/root/w1`, `arbor://${system.node}/root/w2`]);
  });

  it('warns when exposed beyond loopback without a token, and fails with INSPECTOR_FAILED on a taken port', async () => {
    system = await createSystem({ logger: false });
    const warnings: string[] = [];
    const s = system;
    const observed = { node: s.node, logger: { warn: (_: object, msg: string) => warnings.push(msg) }, clusterStatus: s.clusterStatus.bind(s), actorDetail: s.actorDetail.bind(s), on: s.on.bind(s) };
    const exposed = await startInspector(observed, { host: '0.0.0.0', port: 0 });
    expect(warnings.join('\n')).toContain('without a token');
    const port = Number(new URL(exposed.url).port);
    await expect(startInspector(observed, { host: '0.0.0.0', port, token: 'x' })).rejects.toMatchObject({ code: 'INSPECTOR_FAILED', details: { port } });
    await exposed.close();
  });

  it('rejects bad options with INVALID_SPEC naming the field', async () => {
    await expect(createSystem({ logger: false, inspector: { port: 70_000 } })).rejects.toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('port') });
    await expect(createSystem({ logger: false, inspector: { colour: 'red' } as never })).rejects.toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('colour') });
  });
});

describe('the metrics hook', () => {
  it('serves what system.metrics() resolves to, as the Prometheus text format', async () => {
    const base = await createSystem({ logger: false });
    system = base;
    const withMetrics = Object.assign(Object.create(base) as System, { metrics: async () => 'arbor_actors 3\n' });
    const served = await startInspector(withMetrics, { port: 0 });
    const res = await fetch(new URL('/metrics', served.url));
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toBe('arbor_actors 3\n');
    await served.close();
  });
});
