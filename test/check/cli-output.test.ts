import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

function captureIo(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), color: false, stdout: () => out, stderr: () => err };
}

describe('arbor check output', { timeout: 60_000 }, () => {
  it('prints only the JSON report on stdout with --json, though the machine logs with log() and console.log', async () => {
    const io = captureIo();
    expect(await main(['check', 'test/check/corpus/chatty-module.ts', '--json', '--runs', '10'], io)).toBe(0);
    const parsed = JSON.parse(io.stdout()) as { ok: boolean; machines: { name: string }[] };
    expect(parsed).toMatchObject({ ok: true, machines: [{ name: 'chatty' }] });
    expect(io.stderr()).toMatch(/^arbor check: chatty printed \d+ lines while being checked \(not shown\), first: "chatty: an action printed this"\n$/);
  });
});
