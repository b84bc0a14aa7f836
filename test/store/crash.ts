/**
 * The crash-safety check shared by the local and PostgreSQL tests: start the writer, let it run a
 * random few milliseconds, SIGKILL it, then check the store against the ledger (see
 * `fixtures/crash-writer.ts`): every record whole (its payload matches its checksum), every group
 * at one version, and every commit the writer saw resolve present at that version or later.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { StateStore } from '../../src/store/StateStore.js';
import { checksum } from './fixtures/crash-writer-checksum.js';

const SOURCE = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
/** Under node_modules, so the bundle's bare imports (better-sqlite3, pg) resolve; git, tsc and eslint pass it by. */
const BUNDLE = fileURLToPath(new URL(`../../node_modules/.cache/arbor-test/crash-writer-${process.pid}.mjs`, import.meta.url));

/**
 * Bundles the writer once into plain JavaScript: starting it under tsx costs about a second a
 * run on a busy machine, which would make 30 kills take half a minute. Returns the bundle's path.
 */
export async function buildWriter(): Promise<string> {
  const { build } = await import('esbuild');
  await build({ entryPoints: [SOURCE], outfile: BUNDLE, bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node20', logLevel: 'error' });
  return BUNDLE;
}

/** Runs the writer as run number `run` and kills it with SIGKILL after `killAfterMs` of writing. */
export async function runAndKill(writer: string, run: number, ledger: string, target: string[], killAfterMs: number): Promise<void> {
  const child = spawn(process.execPath, [writer, String(run), ledger, ...target], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    void exited.then((how) => reject(new Error(`writer exited (${how}) before it was ready: ${stderr}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  child.kill('SIGKILL');
  const how = await exited;
  if (how !== 'SIGKILL') throw new Error(`writer ended by ${how}, not by the kill: ${stderr}`);
}

/** The highest version the ledger says resolved, per key (`s/<j>` or `g<i>`). */
function ledgerVersions(ledger: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(ledger)) return out;
  // A kill may cut the last line short: only whole lines count (the writer only appends after a resolve).
  for (const line of readFileSync(ledger, 'utf8').split('\n').slice(0, -1)) {
    const [key, version] = line.split(' ');
    out.set(key as string, Math.max(out.get(key as string) ?? 0, Number(version)));
  }
  return out;
}

/** Checks the store against the ledger; returns how many commits the ledger vouched for. */
export async function checkAgainstLedger(store: StateStore, ledger: string): Promise<number> {
  const versions = new Map<string, number>();
  for (const { path } of await store.list()) {
    const state = await store.load(path);
    const snapshot = state?.snapshot as { version: number; payload: string; sum: string };
    expect(checksum(snapshot.payload), `${path} is whole`).toBe(snapshot.sum);
    expect(state?.messageId).toBe(`m-${snapshot.version}`);
    expect(state?.timers).toEqual([{ id: 't', dueAt: snapshot.version, event: { type: 'tick' } }]);
    expect(state?.recentMessageIds.at(-1)).toBe(`m-${snapshot.version}`);
    versions.set(path, snapshot.version);
  }
  for (let g = 0; g < 6; g++) {
    const group = [0, 1, 2, 3].map((j) => versions.get(`g${g}/${j}`));
    expect(new Set(group).size, `group g${g} written atomically: ${group.join(', ')}`).toBe(1);
  }
  const vouched = ledgerVersions(ledger);
  for (const [key, version] of vouched) {
    const stored = key.startsWith('g') ? versions.get(`${key}/0`) : versions.get(key);
    expect(stored, `${key}: resolved at version ${version}, stored ${stored}`).toBeGreaterThanOrEqual(version);
  }
  return vouched.size;
}
