/**
 * Starts Arbor nodes as child processes (`./node-process.ts` under tsx) and makes sure they go
 * away: {@link killNodeProcesses} SIGKILLs every one still running, and each child also exits by
 * itself when its stdin (a pipe from this process) closes, so none outlives a crashed parent.
 * To see what a node did, set `ARBOR_TEST_LOG=info` and `ARBOR_NODE_LOG_DIR=<dir>`: each node's
 * stderr (its pino lines) goes to `<dir>/<node>.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A node running in a child process. */
export interface NodeProcess {
  node: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string | null>;
}

export interface NodeProcessOptions {
  node: string;
  cluster: string;
  /** Heartbeat period of the node, in ms. */
  heartbeat: number;
  /** The node script; by default `node-process.ts` beside this file. */
  script?: string;
  /** Where tsx is resolved from; by default the repository root. */
  cwd?: string;
  /** How long to wait for the node's `ready` line. @default 30_000 */
  readyTimeout?: number;
}

const running = new Set<NodeProcess>();

/** Starts a node process and resolves once its transport runs (it printed `ready <node>`). */
export async function startNodeProcess(options: NodeProcessOptions): Promise<NodeProcess> {
  const here = dirname(fileURLToPath(import.meta.url));
  const script = options.script ?? resolve(here, 'node-process.ts');
  const cwd = options.cwd ?? resolve(here, '..', '..');
  const child = spawn(process.execPath, ['--import', 'tsx', script, options.node, options.cluster, String(options.heartbeat)], {
    cwd,
    env: process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string | null>((done) => child.once('exit', (code, signal) => done(code ?? signal)));
  const proc: NodeProcess = { node: options.node, child, exited };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  if (process.env.ARBOR_NODE_LOG_DIR) child.stderr?.pipe(createWriteStream(resolve(process.env.ARBOR_NODE_LOG_DIR, `${options.node}.log`)));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`node process ${options.node} not ready within ${options.readyTimeout ?? 30_000} ms: ${stderr}`)), options.readyTimeout ?? 30_000);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`ready ${options.node}\n`)) {
        clearTimeout(timer);
        ready();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`node process ${options.node} exited (${String(code)}) before it was ready: ${stderr}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return proc;
}

/** SIGKILLs a node process (as a crash would) and resolves once it has exited. */
export async function killNodeProcess(proc: NodeProcess): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  await proc.exited;
}

/** SIGKILLs every node process still running. Call from `afterAll` (and after a benchmark). */
export async function killNodeProcesses(): Promise<void> {
  await Promise.all([...running].map(killNodeProcess));
}
