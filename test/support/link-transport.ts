/**
 * Nodes in one process over a small transport with no broker: each envelope is delivered on a
 * later turn (a structured clone, as the wire would), `hold` keeps back the ones it matches until
 * `release`, and `sent` sees every envelope on its way. A message of type `huge` is refused as
 * `MESSAGE_TOO_LARGE`, as a broker's frame limit would.
 *
 * Acks and confirms, as a broker would see them: `unsettled` holds the envelopes a host took
 * whose `done` has not resolved (a broker would still hold them unacked), and while
 * `holdConfirms` is set, `confirmed()` barriers wait for `releaseConfirms`.
 */
import { ArborError } from '../../src/runtime/errors.js';
import type { Envelope, Transport, TransportHost } from '../../src/runtime/transport.js';

export class Link {
  readonly hosts = new Map<string, TransportHost>();
  hold: (envelope: Envelope, node: string) => boolean = () => false;
  sent: (envelope: Envelope, node: string) => void = () => undefined;
  /** With `controlLane`, the transports have `sendControl`, and `sentControl` sees what goes through it. */
  controlLane = false;
  sentControl: (envelope: Envelope, node: string) => void = () => undefined;
  /** An error for a send that fails (as an unconfirmed publish would): the sender's `undeliverable` gets it on a later turn. */
  refuse: (envelope: Envelope, node: string) => ArborError | undefined = () => undefined;
  private held: { node: string; envelope: Envelope }[] = [];
  /** Envelopes taken by a host whose `done` has not resolved yet: a broker would hold them unacked. */
  readonly unsettled = new Set<Envelope>();
  holdConfirms = false;
  private barriers: (() => void)[] = [];

  transport(): Transport {
    let self: TransportHost | undefined;
    const pass = (node: string, envelope: Envelope): void => {
      const refused = this.refuse(envelope, node);
      if (refused) return void setImmediate(() => self?.undeliverable(envelope, refused));
      const body = envelope.body as { type?: string };
      if (body?.type === 'huge') return self?.undeliverable(envelope, new ArborError('MESSAGE_TOO_LARGE', 'too large for the link'));
      if (this.hold(envelope, node)) this.held.push({ node, envelope });
      else setImmediate(() => this.deliver(node, envelope));
    };
    const send = (node: string, envelope: Envelope): void => {
      this.sent(envelope, node);
      pass(node, envelope);
    };
    return {
      name: 'link',
      start: async (host) => {
        self = host;
        this.hosts.set(host.node, host);
      },
      send,
      ...(this.controlLane
        ? {
            sendControl: (node: string, envelope: Envelope) => {
              this.sentControl(envelope, node);
              pass(node, envelope);
            },
          }
        : {}),
      confirmed: () => (this.holdConfirms ? new Promise<void>((resolve) => this.barriers.push(resolve)) : Promise.resolve()),
      nodes: () => [...this.hosts.values()].map((h) => ({ node: h.node, kinds: [...h.kinds], lastSeen: 0 })),
      stop: async () => {
        if (self) this.hosts.delete(self.node);
      },
    };
  }

  /** Resolves every `confirmed()` barrier waiting, and lets later ones resolve at once. */
  releaseConfirms(): void {
    this.holdConfirms = false;
    for (const resolve of this.barriers.splice(0)) resolve();
  }

  /** Hands a copy of `envelope` to `node`, and tracks it until its `done` (its ack) resolves. */
  private deliver(node: string, envelope: Envelope): void {
    const host = this.hosts.get(node);
    if (!host) return;
    const copy = structuredClone(envelope);
    void Promise.resolve(host.deliver(copy)).then((result) => {
      if (!result.ok || result.done === undefined) return;
      this.unsettled.add(copy);
      void result.done.finally(() => this.unsettled.delete(copy));
    });
  }

  /** How many envelopes are held back. */
  get holding(): number {
    return this.held.length;
  }

  /** Delivers what was held, each on a turn of its own (`together`: all on this turn, in order). */
  release(together = false): void {
    const held = this.held;
    this.held = [];
    for (const { node, envelope } of held) {
      const deliver = () => this.deliver(node, envelope);
      if (together) deliver();
      else setImmediate(deliver);
    }
  }
}
