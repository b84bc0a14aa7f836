import { afterAll, describe, expect, it } from 'vitest';
import { sample } from '../support/prom.js';
import { spawnArbor, type RunningArbor } from './run-cli.js';

const running: RunningArbor[] = [];
afterAll(() => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
});

describe('arbor run --metrics-port', () => {
  it('serves the node metrics at /metrics, and 404 elsewhere', { timeout: 30_000 }, async () => {
    const run = spawnArbor(['run', 'examples/run-service.ts', '--metrics-port', '0'], { DRAIN_MS: '20' });
    running.push(run);
    await run.waitFor(/"url":"http:\/\/localhost:\d+\/metrics"/);
    const url = /"url":"(http:\/\/localhost:\d+\/metrics)"/.exec(run.stderr())![1]!;
    await run.waitFor(/arbor run: started/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'arbor_actors', { logic: 'ticker' })).toBe(1);
    expect(text).toContain('# TYPE arbor_messages_processed_total counter');
    expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
