import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { processIo } from '../../src/cli/io.js';
import type { Io } from '../../src/cli/io.js';

function captureIo(color: boolean): Io & { output: () => string } {
  let text = '';
  return { out: (t) => void (text += t), err: (t) => void (text += t), color, output: () => text };
}

describe('CLI colour', { timeout: 60_000 }, () => {
  const tty = process.stdout.isTTY;
  afterEach(() => {
    vi.unstubAllEnvs();
    process.stdout.isTTY = tty;
  });

  it('colours output on a terminal unless NO_COLOR is set', () => {
    process.stdout.isTTY = true;
    vi.stubEnv('NO_COLOR', '');
    expect(processIo().color).toBe(true);
    vi.stubEnv('NO_COLOR', '1');
    expect(processIo().color).toBe(false);
  });

  it('never colours output that is not a terminal', () => {
    process.stdout.isTTY = false;
    vi.stubEnv('NO_COLOR', '');
    expect(processIo().color).toBe(false);
  });

  it('colours only the verdict marks of a check report', async () => {
    const io = captureIo(true);
    expect(await main(['check', 'examples/machines/buggy.ts', '--runs', '10'], io)).toBe(1);
    expect(io.output()).toContain('\u001b[31m✗\u001b[0m buggy:');
    expect(io.output().split('\u001b[')).toHaveLength(3);
  });
});
