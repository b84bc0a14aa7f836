import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { assign, fromPromise, setup } from 'xstate';
import { createSystem, type CreateSystemOptions, type System } from '../../src/create-system.js';
import { localStore } from '../../src/store/LocalStore.js';

/** A fresh folder for one test's stores; removed by `cleanup`. */
export function tempDir(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'arbor-durable-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A system on node `node` with a localStore at `dir`, silent. */
export function systemAt(dir: string, node = 'a', options: CreateSystemOptions = {}): Promise<System> {
  return createSystem({ node, logger: false, store: localStore(join(dir, node)), ...options });
}

/** Waits (turns of the event loop, no wall-clock sleep beyond them) until `ok()` holds. */
export async function until(ok: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (ok()) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
  throw new Error('condition not reached');
}

/** Counts `inc` events; `boom` throws; `finish` ends; waits in `waiting` for `after` 1000 ms when told `wait`. */
export const counter = setup({
  types: { context: {} as { count: number; log: string[] }, events: {} as { type: 'inc'; by?: number; messageId?: string } | { type: 'boom' } | { type: 'finish' } | { type: 'wait' } },
  actions: {
    fail: () => {
      throw new Error('boom');
    },
  },
}).createMachine({
  id: 'counter',
  context: { count: 0, log: [] },
  output: ({ context }) => context.count,
  initial: 'counting',
  states: {
    counting: {
      on: {
        inc: { actions: assign({ count: ({ context, event }) => context.count + (event.by ?? 1) }) },
        boom: { actions: 'fail' },
        finish: 'done',
        wait: 'waiting',
      },
    },
    waiting: {
      after: { 1000: { target: 'counting', actions: assign({ log: ({ context }) => [...context.log, 'timer'] }) } },
      on: { inc: { actions: assign({ count: ({ context, event }) => context.count + (event.by ?? 1) }) } },
    },
    done: { type: 'final' },
  },
});

/** Invokes the named promise `work` with `{ n: context.count }` in `working`. */
export function workingMachine(work: (input: { n: number }) => Promise<number>) {
  return setup({
    types: { context: {} as { count: number; result: number | undefined } },
    actors: { work: fromPromise<number, { n: number }>(({ input }) => work(input)) },
  }).createMachine({
    id: 'worker',
    context: { count: 7, result: undefined },
    initial: 'working',
    states: {
      working: {
        invoke: { src: 'work', input: ({ context }) => ({ n: context.count }), onDone: { target: 'idle', actions: assign({ result: ({ event }) => event.output }) } },
      },
      idle: {},
    },
  });
}

/** A child process running `script` under tsx, its stdout collected. */
export function startScript(script: string, args: readonly string[], cwd?: string): { child: ChildProcess; out: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], ...(cwd ? { cwd } : {}) });
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { child, out: () => out };
}

/** Resolves once `child` has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/**
 * For tests that run scripts in child processes: call at the top of a file; `dir()` makes the
 * test's temporary folder and `track(child)` marks a process to SIGKILL, both undone after each test.
 */
export function processScope(): { dir(): { path: string }; track(child: ChildProcess): void } {
  let dir: { path: string; cleanup(): void } | undefined;
  let running: ChildProcess[] = [];
  afterEach(() => {
    for (const c of running) c.kill('SIGKILL');
    running = [];
    dir?.cleanup();
    dir = undefined;
  });
  return {
    dir: () => (dir = tempDir()),
    track: (child) => void running.push(child),
  };
}
