/**
 * Nodes in one process over a small transport with no broker: each envelope is delivered on a
 * later turn (a structured clone, as the wire would), `hold` keeps back the ones it matches until
 * `release`, and `sent` sees every envelope on its way. A message of type `huge` is refused as
 * `MESSAGE_TOO_LARGE`, as a broker's frame limit would.
 */
import { ArborError } from '../../src/runtime/errors.js';
import type { Envelope, Transport, TransportHost } from '../../src/runtime/transport.js';

export class Link {
  readonly hosts = new Map<string, TransportHost>();
  hold: (envelope: Envelope, node: string) => boolean = () => false;
  sent: (envelope: Envelope, node: string) => void = () => undefined;
  private held: { node: string; envelope: Envelope }[] = [];

  transport(): Transport {
    let self: TransportHost | undefined;
    return {
      name: 'link',
      start: async (host) => {
        self = host;
        this.hosts.set(host.node, host);
      },
      send: (node, envelope) => {
        this.sent(envelope, node);
        const body = envelope.body as { type?: string };
        if (body?.type === 'huge') return self?.undeliverable(envelope, new ArborError('MESSAGE_TOO_LARGE', 'too large for the link'));
        if (this.hold(envelope, node)) this.held.push({ node, envelope });
        else setImmediate(() => void this.hosts.get(node)?.deliver(structuredClone(envelope)));
      },
      nodes: () => [...this.hosts.values()].map((h) => ({ node: h.node, kinds: [...h.kinds], lastSeen: 0 })),
      stop: async () => {
        if (self) this.hosts.delete(self.node);
      },
    };
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
      const deliver = () => void this.hosts.get(node)?.deliver(structuredClone(envelope));
      if (together) deliver();
      else setImmediate(deliver);
    }
  }
}
