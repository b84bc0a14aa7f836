/**
 * The lanes a parallel check spreads its runs over: this thread ({@link LocalLane}) and worker
 * threads ({@link WorkerLane}). A lane makes one range of runs at a time.
 */
import { Worker } from 'node:worker_threads';
import { ArborError } from '../runtime/errors.js';
import './error-codes.js';
import { runRange, type RunFigures } from './search.js';
import type { SourceData, SpecData, SpecShape } from './source.js';
import type { WorkflowSpec } from './types.js';
import { CHECK_WORKER, replyError, type RunsRequest, type WorkerInit, type WorkerReply } from './worker-protocol.js';

/** Something that makes runs of a check by index. */
export interface Lane {
  /** Settles once the lane can make runs: rejects when it cannot (its thread failed to start or to build the spec). */
  readonly ready: Promise<void>;
  /** The figures of runs `start .. start + count - 1`, up to the first that failed (see `runRange`). */
  run(seed: number, start: number, count: number): Promise<RunFigures[]>;
  /** Stops the lane: a worker thread is terminated, this thread's runs asked for from now on pass without running. */
  close(): Promise<void>;
}

/**
 * The calling thread's own lane. Closing it waits for the run it is making: a spec's machines may
 * share one world per spec (one run at a time, see `examples/workflows/content.ts`), so a run
 * left going would interleave with the shrinking that follows the search on this thread.
 */
export class LocalLane implements Lane {
  readonly ready = Promise.resolve();
  private closed = false;
  private current: Promise<unknown> | undefined;
  constructor(private readonly spec: WorkflowSpec<unknown>) {}
  run(seed: number, start: number, count: number): Promise<RunFigures[]> {
    const range = runRange(this.spec, seed, start, count, () => this.closed);
    this.current = range.catch(() => undefined);
    return range;
  }
  async close(): Promise<void> {
    this.closed = true;
    await this.current;
  }
}

/**
 * The worker's bootstrap, plain JavaScript so that it runs before any loader is registered: it
 * registers tsx's hooks in the worker when TypeScript is to be loaded (a loader registered in the
 * calling thread, or passed with `--import` in `execArgv`, does not reach a worker on Node 20),
 * then imports the entry. A failure to start comes back as an `error` reply.
 */
const BOOT = `const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  for (const api of workerData.tsx) (await import(api)).register();
  await import(workerData.entry);
})().catch((err) => parentPort.postMessage({ type: 'error', code: 'WORKER_FAILED', message: 'a check worker thread could not start (' + workerData.entry + '): ' + (err && err.message), details: { entry: workerData.entry } }));`;

/** Where the worker's entry is: beside this module, TypeScript when running from the sources. */
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './check-worker.ts' : './check-worker.js', import.meta.url).href;

const TYPESCRIPT = /\.(?:[cm]?ts|tsx)(?:[?#].*)?$/;

/** tsx's API modules, when the entry or the source module is TypeScript; `WORKER_FAILED` naming tsx when it is not installed. */
function tsxFor(module: string): string[] {
  if (!TYPESCRIPT.test(ENTRY) && !TYPESCRIPT.test(module)) return [];
  try {
    return [import.meta.resolve('tsx/esm/api'), import.meta.resolve('tsx/cjs/api')];
  } catch (err) {
    throw new ArborError('WORKER_FAILED', `worker threads need tsx to load TypeScript (${module}); install it (\`npm i -D tsx\`) or give a compiled .js module`, { module, package: 'tsx' }, { cause: err });
  }
}

/** What every worker of a check is started with. */
export function workerInit(source: SourceData, data: SpecData, shape: SpecShape): WorkerInit {
  return { [CHECK_WORKER]: true, entry: ENTRY, tsx: tsxFor(source.module), source, data, shape };
}

/** A worker thread making runs: one request at a time; any failure of the thread fails the lane for good. */
export class WorkerLane implements Lane {
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private waiting: { resolve: (m: WorkerReply) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;
  private closed = false;

  constructor(init: WorkerInit) {
    this.worker = new Worker(BOOT, { eval: true, workerData: init });
    this.ready = this.reply().then(() => undefined);
    // Handled here too: a lane that fails while nobody waits on it must not be an unhandled rejection.
    this.ready.catch(() => undefined);
    this.worker.on('message', (m: WorkerReply) => {
      if (m.type === 'error') return this.fail(replyError(m));
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve(m);
    });
    this.worker.on('error', (err) => this.fail(new ArborError('WORKER_FAILED', `a check worker thread failed: ${err.message}`, { entry: init.entry }, { cause: err })));
    this.worker.on('exit', (exitCode) => this.fail(new ArborError('WORKER_FAILED', `a check worker thread exited with code ${exitCode} before the check ended`, { exitCode })));
  }

  async run(seed: number, start: number, count: number): Promise<RunFigures[]> {
    await this.ready;
    const reply = this.reply();
    const request: RunsRequest = { type: 'runs', seed, start, count };
    this.worker.postMessage(request);
    return ((await reply) as Extract<WorkerReply, { type: 'runs' }>).figures;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private reply(): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private fail(err: Error): void {
    if (this.closed || this.failure) return;
    this.failure = err;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(err);
  }
}
