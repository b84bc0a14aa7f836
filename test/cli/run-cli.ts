/**
 * Spawns the real `bin/arbor.js`, as a user's shell would, on the sources (`ARBOR_CLI_SOURCE`):
 * the tests check the code as it is, never a dist/ built before it changed. test/entry/dist.test.ts
 * checks the compiled CLI.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/arbor.js', import.meta.url));

/** The environment of a CLI process: the tests' own, running the CLI from the sources. */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ARBOR_CLI_SOURCE: '1', ...env };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `arbor ...args` from the repository root; never rejects on a non-zero exit. */
export function arbor(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(env) }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `arbor` child process whose output can be awaited as it comes. */
export interface RunningArbor {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr (or stdout) matches `pattern`; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>;
  /** The exit code (or 128 + signal number when killed by a signal). */
  readonly exited: Promise<number>;
}

/** Spawns `arbor ...args` and returns at once. */
export function spawnArbor(args: readonly string[], env: NodeJS.ProcessEnv = {}): RunningArbor {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const l of listeners) l();
      resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0));
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, stream = 'stderr', timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern} on ${stream}; stderr so far:\n${err}`)), timeoutMs);
        const check = (): void => {
          if (pattern.test(stream === 'stderr' ? err : out)) done();
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`arbor exited (${child.exitCode ?? child.signalCode}) before ${pattern} on ${stream}; stderr:\n${err}`));
        };
        const done = (error?: Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
  };
}
