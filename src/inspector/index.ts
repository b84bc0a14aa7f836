/**
 * The inspector: a live web page of a running system, across its nodes. `startInspector` serves
 * it for a system (`createSystem({ inspector })` and `arbor inspect` both call it); this folder is
 * loaded only then, never by `import 'arbor'`.
 *
 * - `model.ts` asks the cluster for its status at a bounded rate and turns it into rows and diffs;
 * - `server.ts` serves the page (`ui/`, bundled by `assets.ts`), the JSON API and the event stream;
 * - `workflows.ts` keeps a bounded live buffer of correlated events for the workflow view.
 */
import './error-codes.js';
import type { AddressInfo } from 'node:net';
import { ArborError } from '../runtime/errors.js';
import type { JournalSink } from '../runtime/journal.js';
import { InspectorModel, type InspectedSystem } from './model.js';
import { isLoopback, normalizeInspectorOptions, type InspectorOptions } from './options.js';
import { inspectorServer } from './server.js';
import type { WorkflowSource } from './workflow-source.js';
import { WorkflowBuffer } from '../observability/workflow-buffer.js';
import { dlqSourceOf, type DlqSource } from './dlq-source.js';
import type { Logger } from 'pino';

export { normalizeInspectorOptions, DEFAULT_INSPECTOR_OPTIONS, isLoopback } from './options.js';
export { WorkflowBuffer } from '../observability/workflow-buffer.js';
export { clusterWorkflows, type QueryingSystem } from './cluster-workflows.js';
export { diffRows, applyDiff } from './diff.js';
export { statusRows } from './rows.js';
export { tokenAccepted } from './token.js';
export type { InspectorOptions } from './options.js';
export type { Row } from './rows.js';
export type { RowDiff } from './diff.js';
export type { WorkflowSource, WorkflowStep, WorkflowSummary } from './workflow-source.js';
export { brokerDlq, type DlqSource } from './dlq-source.js';

/** A running inspector. */
export interface Inspector {
  /** The page's address (with `?token=` when a token is set, so it can be opened as printed). */
  readonly url: string;
  /** Stops serving. */
  close(): Promise<void>;
}

/** A journal sink that feeds the workflow view and passes every entry on to `next`. */
export function workflowTap(next?: JournalSink): WorkflowBuffer {
  return new WorkflowBuffer(10_000, next);
}

/**
 * Serves the page of `system` on `options.host:options.port`. Warns (through the system's logger)
 * when the page is exposed beyond this machine without a token. The dead-letter view lists and
 * redrives the cluster's dead-letter queue when the system is on the RabbitMQ transport (or `dlq`).
 */
export async function startInspector(
  system: InspectedSystem,
  options: InspectorOptions = {},
  workflows?: WorkflowSource,
  dlq: DlqSource | undefined = dlqSourceOf(system, system.logger as Logger),
): Promise<Inspector> {
  const resolved = normalizeInspectorOptions(options);
  if (!isLoopback(resolved.host) && resolved.token === undefined) {
    system.logger.warn({ host: resolved.host }, 'the inspector is exposed beyond this machine without a token: anyone who can reach it sees every actor; set a token');
  }
  const model = new InspectorModel(system, resolved);
  const server = inspectorServer({ system, model, workflows, options: resolved, dlq });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    model.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new ArborError('INSPECTOR_FAILED', `the inspector could not listen on ${resolved.host}:${resolved.port}: ${code ?? String(err)}`, { host: resolved.host, port: resolved.port }, { cause: err });
  }
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host}:${port}/${resolved.token ? `?token=${encodeURIComponent(resolved.token)}` : ''}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        model.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
