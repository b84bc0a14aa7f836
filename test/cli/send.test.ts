import { describe, expect, it } from 'vitest';
import { arbor } from './run-cli.js';

describe.concurrent('arbor send', { timeout: 60_000 }, () => {
  it.each([
    [['send', 'arbor://a/x', '{"type":"go"}'], 'arbor: arbor send needs --broker URL: the actor runs in another process, reached through the cluster'],
    [['send', 'a/x', '{"type":"go"}', '--broker', 'amqp://localhost'], 'arbor: the path must name its node: arbor://<node>/<id>/..., got a/x'],
    [['send', 'arbor://a/x', '{"type":', '--broker', 'amqp://localhost'], expect.stringMatching(/^arbor: the event is not JSON: /)],
    [['send', 'arbor://a/x', '{"kind":"go"}', '--broker', 'amqp://localhost'], expect.stringMatching(/^arbor: the event must be a JSON object with a string "type"/)],
    [['send', 'arbor://a/x'], 'arbor: arbor send takes a path and an event, got: arbor://a/x'],
  ])('rejects %j with one line and exit code 2', async (args, line) => {
    const { code, stderr } = await arbor(args);
    expect(code).toBe(2);
    expect(stderr.trim()).toEqual(line);
  });
});
