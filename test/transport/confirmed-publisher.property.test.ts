/**
 * The deadlines of `ConfirmedPublisher` without a broker: a fake rabbitmq-client publisher whose
 * confirms the test releases, on a simulated clock. One timer serves every publish in flight (see
 * the class header), so what is checked is that this is invisible: each publish still fails at
 * exactly `sendTimeout` after it began unless confirmed before, and no timer outlives a close.
 */
import fc from 'fast-check';
import pino from 'pino';
import type { Connection } from 'rabbitmq-client';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/runtime/clock.js';
import { ConfirmedPublisher, type PublishOutcome } from '../../src/transport/ConfirmedPublisher.js';

const SEND_TIMEOUT = 1000;

/** A connection whose publisher's `send` resolves only when the test confirms that message. */
function fakeConnection() {
  const confirms: (() => void)[] = [];
  const publisher = {
    on: () => publisher,
    send: () => new Promise<void>((resolve) => confirms.push(resolve)),
    close: () => Promise.resolve(),
  };
  const connection = { createPublisher: () => publisher } as unknown as Connection;
  return { connection, confirms };
}

/** Lets the confirm's continuations (a microtask and a setImmediate) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

function setup() {
  const clock = new SimulatedClock(0);
  const { connection, confirms } = fakeConnection();
  const publisher = new ConfirmedPublisher({ connection, clock, sendTimeout: SEND_TIMEOUT, url: 'amqp://x', logger: pino({ level: 'silent' }) });
  const request = { exchange: 'x', routingKey: 'k', body: Buffer.alloc(1), mandatory: true, durable: true };
  return { clock, confirms, publisher, request };
}

describe('ConfirmedPublisher deadlines', () => {
  it('fails each publish at exactly sendTimeout after it began unless its confirm came first, with one timer for all', async () => {
    // Each publish: when it begins (ms) and how long until its confirm (undefined: never).
    const publish = fc.record({ at: fc.integer({ min: 0, max: 3000 }), confirmAfter: fc.option(fc.integer({ min: 0, max: 2 * SEND_TIMEOUT }).filter((d) => d !== SEND_TIMEOUT), { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(publish, { minLength: 1, maxLength: 12 }), async (plan) => {
        const { clock, confirms, publisher, request } = setup();
        const sorted = [...plan].sort((x, y) => x.at - y.at);
        const ended: { outcome: PublishOutcome; when: number }[] = [];
        // Every moment something happens, in time order: a publish begins, a confirm arrives, a look.
        const events: { t: number; run: () => void }[] = [];
        sorted.forEach((p, i) => {
          events.push({
            t: p.at,
            run: () => {
              void publisher.publish(request).then((outcome) => (ended[i] = { outcome, when: clock.now() }));
            },
          });
          if (p.confirmAfter !== undefined) events.push({ t: p.at + p.confirmAfter, run: () => confirms[i]?.() });
          // Looks just before and at the deadline: an outcome is stamped with the time of the look that saw it.
          for (const t of [p.at + SEND_TIMEOUT - 1, p.at + SEND_TIMEOUT]) events.push({ t, run: () => undefined });
        });
        events.sort((x, y) => x.t - y.t);
        for (const e of events) {
          clock.set(e.t);
          e.run();
          await settle();
          expect(clock.pending).toBeLessThanOrEqual(1);
        }
        clock.set(10_000);
        await settle();
        sorted.forEach((p, i) => {
          const end = ended[i];
          if (p.confirmAfter !== undefined && p.confirmAfter < SEND_TIMEOUT) expect(end?.outcome.ok).toBe(true);
          else {
            expect(end?.outcome.ok).toBe(false);
            expect(end?.outcome.ok === false && end.outcome.error.code).toBe('TRANSPORT_ERROR');
            expect(end?.when).toBe(p.at + SEND_TIMEOUT);
          }
        });
        await publisher.close();
        expect(clock.pending).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('leaves no timer behind once closed, even with a publish still unconfirmed', async () => {
    const { clock, publisher, request } = setup();
    const outcome = publisher.publish(request);
    expect(clock.pending).toBe(1);
    publisher.abort('stopping');
    await expect(outcome).resolves.toMatchObject({ ok: false });
    expect(clock.pending).toBe(0);
  });
});
