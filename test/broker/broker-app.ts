/**
 * Stopping and starting the RabbitMQ application, for the disruptive tests (see
 * `vitest.disruptive.config.ts`): they must always leave the broker serving, also when they fail.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `rabbitmqctl stop_app`: every connection drops; durable queues and persistent messages stay. */
export async function stopBroker(): Promise<void> {
  await run('rabbitmqctl', ['stop_app']);
}

/** `rabbitmqctl start_app` (harmless when it runs), then waits until the broker serves again. */
export async function brokerUp(): Promise<void> {
  await run('rabbitmqctl', ['start_app']).catch(() => undefined);
  await run('rabbitmqctl', ['await_startup', '--timeout', '60']);
}
