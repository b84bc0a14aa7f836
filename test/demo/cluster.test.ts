/** The demo across three node processes over RabbitMQ (`npm start -- --broker URL --nodes 3`). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { runDemo } from '../../examples/demo/run.js';
import { AMQP_URL, describeBroker } from '../broker/broker.js';
import { stable, tempOut } from './helpers.js';

const run = promisify(execFile);

describeBroker('the main demo on three nodes', () => {
  it('runs the same workflow with agents on two host processes, gives the local run’s summary, and leaves nothing behind', async () => {
    const s = await runDemo({ seed: 42, speed: 0.3, broker: AMQP_URL, nodes: 3, out: await tempOut() });
    expect(s.mode).toBe('cluster');
    expect(s.nodes).toEqual(['owner', 'node-1', 'node-2']);
    expect(s.outcome).toBe('published');
    expect(s.restarts).toBe(1);
    expect(s.saga.attempts[0]).toMatchObject({ status: 'compensated', compensated: ['upload_assets', 'render_pages', 'reserve_slot'] });

    const local = await runDemo({ seed: 42, speed: 0.3, out: await tempOut() });
    expect(stable(s)).toEqual({ ...stable(local), files: s.files });

    // The host processes are gone and the run's cluster is removed from the broker.
    const { stdout } = await run('pgrep', ['-f', 'examples/demo/node.ts']).catch(() => ({ stdout: '' }));
    expect(stdout.trim()).toBe('');
    const queues = await run('rabbitmqctl', ['-q', 'list_queues', 'name', '--no-table-headers']).then((r) => r.stdout, () => '');
    expect(queues).not.toContain(`demo-${process.pid}-`);
  }, 90_000);
});
