/**
 * One process of `peer-bullmq`: `node peer-bullmq-process.mjs '<ProcessConfig as JSON>'`, started
 * by the runner with an IPC channel. It builds its role (Arbor, BullMQ, or the bare-AMQP floor),
 * sends `{ ready: true }`, then answers the runner's commands (wire, mark, stats, batch, sequential, stop) one by one. It
 * exits when the channel closes, so no process outlives the runner.
 */
import { arborRole } from './peer-bullmq-arbor.js';
import { bullRole } from './peer-bullmq-bull.js';
import { floorRole } from './peer-bullmq-floor.js';
import type { Command, ProcessConfig, ProcessStats, Reply, RoleHandle } from './peer-bullmq-roles.js';

function send(message: unknown): void {
  process.send?.(message);
}

async function handle(role: RoleHandle, command: Command, marks: { cpu: NodeJS.CpuUsage }): Promise<unknown> {
  switch (command.op) {
    case 'wire':
      return role.wire();
    case 'mark':
      marks.cpu = process.cpuUsage();
      return undefined;
    case 'stats': {
      const cpu = process.cpuUsage(marks.cpu);
      const stats: ProcessStats = { cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss };
      return stats;
    }
    case 'batch':
      if (!role.batch) throw new Error('batch: not the producer');
      return role.batch(command.count);
    case 'sequential':
      if (!role.sequential) throw new Error('sequential: not the producer');
      return role.sequential(command.count);
    case 'stop':
      await role.stop();
      setImmediate(() => process.exit(0));
      return undefined;
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as ProcessConfig;
  const role = config.side === 'arbor' ? await arborRole(config) : config.side === 'bullmq' ? await bullRole(config) : await floorRole(config);
  const marks = { cpu: process.cpuUsage() };
  let queue = Promise.resolve();
  process.on('message', (command: Command) => {
    queue = queue.then(async () => {
      try {
        const value = await handle(role, command, marks);
        send({ seq: command.seq, ok: true, value } satisfies Reply);
      } catch (err) {
        send({ seq: command.seq, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Reply);
      }
    });
  });
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`peer-bullmq process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
