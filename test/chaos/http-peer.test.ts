import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystem, rabbitmqTransport } from '../../src/index.js';
import { isArborError } from '../../src/runtime/errors.js';
import { startHttpPeer, type HttpPeer } from './http-peer.js';

const root = resolve(import.meta.dirname, '..', '..');

/** Runs `code` (a module body) in a fresh Node process under tsx; resolves with its exit code and output. */
function runScript(code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (exitCode) => done({ code: exitCode, stdout, stderr }));
  });
}

describe('a broker URL that points at an HTTP server', () => {
  let peer: HttpPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  it('makes createSystem reject with TRANSPORT_ERROR naming NOT_AMQP, without crashing the process', async () => {
    peer = await startHttpPeer();
    const error = await createSystem({
      node: 'h',
      logger: false,
      transport: rabbitmqTransport({ url: `amqp://guest:Sup3rSecretPw@127.0.0.1:${peer.port}`, cluster: 'http-peer', connectTimeout: 8000 }),
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isArborError(error, 'TRANSPORT_ERROR')).toBe(true);
    const err = error as Error & { details: Record<string, unknown>; cause: { code?: string } };
    expect(err.message).toContain('NOT_AMQP');
    expect(err.cause.code).toBe('NOT_AMQP');
    expect(err.details.amqpCode).toBe('NOT_AMQP');
    expect(err.message).not.toContain('Sup3rSecretPw');
    // Failed fast, on the first answer, instead of retrying until connectTimeout.
    expect(peer.connections()).toBe(1);
    // Failed on the refusal itself, not by waiting out connectTimeout (that error says "still failing after").
    expect((err as Error).message).not.toContain('still failing after');
  });

  it('lets a separate Node process catch the error and exit by itself (no uncaught RangeError)', async () => {
    peer = await startHttpPeer();
    const result = await runScript(`
      import { createSystem, rabbitmqTransport } from './src/index.ts';
      process.on('uncaughtException', (e) => { console.log('UNCAUGHT ' + e.name); process.exit(70); });
      try {
        await createSystem({ node: 'h', logger: false, transport: rabbitmqTransport({ url: 'amqp://guest:pw-x1@127.0.0.1:${peer.port}', cluster: 'http-peer', connectTimeout: 8000 }) });
        console.log('STARTED');
      } catch (err) {
        console.log('REJECTED ' + err.code);
      }
    `);
    expect(result.stdout.trim()).toBe('REJECTED TRANSPORT_ERROR');
    expect(result.code).toBe(0);
  });
});
