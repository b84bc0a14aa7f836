/** `npm start -- --broker <url> --nodes 2` with a URL that cannot work: one line on stderr, exit 2, no password. */
import { describe, expect, it } from 'vitest';
import { describeBroker } from '../broker/broker.js';
import { runMain, tempOut } from './helpers.js';

/** Runs `npm start -- --broker <url> --nodes 2` and checks the one-line failure. */
async function expectOneLineExit2(url: string, secret: string, names: string[]): Promise<void> {
  const r = await runMain(['--broker', url, '--nodes', '2', '--out', await tempOut()]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  for (const name of names) expect(r.stderr).toContain(name);
  expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
}

describe('npm start with a malformed --broker URL', () => {
  it('prints one line naming the URL problem, without the password, and exits 2', async () => {
    await expectOneLineExit2('amqp//guest:TopSecret9@127.0.0.1:5672', 'TopSecret9', ['url must be a valid URL', '"amqp//guest:***@127.0.0.1:5672"']);
  }, 60_000);
});

describeBroker('npm start with a broker that refuses the login', () => {
  it('prints one line naming ACCESS_REFUSED, without the password, and exits 2', async () => {
    await expectOneLineExit2('amqp://guest:WrongSecret9@127.0.0.1:5672', 'WrongSecret9', ['ACCESS_REFUSED']);
  }, 60_000);
});
