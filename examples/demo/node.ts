/**
 * A host node of the cluster demo, started by the owner (`examples/demo/cluster.ts`): it serves
 * the agent kinds, publishes its agents' state changes for the owner's live view, journals what
 * its mailboxes accept, and shuts down on SIGTERM (or when its owner goes away).
 *
 *   node --import tsx examples/demo/node.ts --node node-1 --cluster demo-123 --out out/demo
 *   (the broker URL comes from AMQP_URL)
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createSystem, fileJournal, localStore, rabbitmqTransport, type System } from '../../src/index.js';
import { stateInspector } from './board.js';
import { traceToFile } from './trace.js';
import { kinds } from './tree.js';

const { values } = parseArgs({ options: { node: { type: 'string' }, cluster: { type: 'string' }, out: { type: 'string' }, heartbeat: { type: 'string', default: '250' }, trace: { type: 'boolean' }, store: { type: 'string' } } });
const node = values.node!;
const out = values.out!;
const logger = pino({ level: 'info', base: { node } }, pino.destination({ dest: join(out, `arbor-${node}.log`), sync: true }));

if (values.trace) traceToFile(join(out, `spans-${node}.jsonl`));

let system: System | undefined;
try {
  system = await createSystem({
    node,
    kinds,
    logger,
    ...(values.store ? { store: localStore(values.store) } : {}),
    journal: fileJournal(join(out, `journal-${node}.jsonl`)),
    transport: rabbitmqTransport({ cluster: values.cluster!, heartbeat: Number(values.heartbeat) }),
    inspect: stateInspector(node, (update) => system?.publish({ type: 'demo.agent.state', ...update })),
  });
} catch (err) {
  logger.error({ err }, 'node failed to start');
  process.send?.({ type: 'error', message: (err as Error).message });
  process.exit(1);
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await system?.shutdown().catch((err: unknown) => logger.error({ err }, 'shutdown failed'));
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
process.send?.({ type: 'ready' });
