/**
 * The entry of a parallel check's worker thread (started by `WorkerLane`): builds the spec from
 * its source, then makes the runs it is asked for. Imported anywhere else it does nothing.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { runRange } from './search.js';
import { buildFromSource } from './source-build.js';
import type { WorkflowSpec } from './types.js';
import { CHECK_WORKER, errorReply, type RunsRequest, type WorkerInit, type WorkerReply } from './worker-protocol.js';

async function serve(port: MessagePort, init: WorkerInit): Promise<void> {
  const reply = (m: WorkerReply): void => port.postMessage(m);
  let spec: WorkflowSpec<unknown>;
  try {
    spec = await buildFromSource(init.source, init.data, init.shape);
  } catch (err) {
    reply(errorReply(err));
    return;
  }
  port.on('message', (m: RunsRequest) => {
    runRange(spec, m.seed, m.start, m.count).then(
      (figures) => reply({ type: 'runs', figures }),
      (err: unknown) => reply(errorReply(err)),
    );
  });
  reply({ type: 'ready' });
}

const init = workerData as Partial<WorkerInit> | null;
if (parentPort !== null && init?.[CHECK_WORKER] === true) void serve(parentPort, init as WorkerInit);
