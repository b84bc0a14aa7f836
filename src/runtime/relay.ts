/**
 * Relays: refs that act where they are used. A relay is a ref (a `path` and `send`) that also
 * carries plain data and a tag naming what it does with what it is sent. It crosses the wire as
 * `{ $ref: path, $relay: tag, $data: data }` and the receiving node rebuilds it with the reviver
 * registered for its tag (`SystemPlugins.relays`), so its `send` runs on the node that calls it,
 * not on the node that made it. A chain's routing slip is one (`patterns/chain-slip.ts`): a stage
 * that answers the slip hands its answer on to the next stage from where it is, instead of
 * through the node that runs the chain.
 *
 * A node with no reviver for a tag gets a plain ref to the relay's `path` (what it sends then goes
 * there, as to any ref).
 */
import type { ActorRef } from './ref.js';

/** The property of a ref that makes it a relay. */
export const RELAY = Symbol.for('arbor.relay');

/** What a relay carries across the wire besides its path. */
export interface RelayForm {
  /** Which reviver rebuilds it. */
  readonly tag: string;
  /** Plain data (refs inside it travel as refs). */
  readonly data: unknown;
}

/**
 * Rebuilds a relay of one tag on the node that received it; `undefined` when `data` is not what
 * its relays carry (it comes off the wire: check it), and the node makes a plain ref instead.
 */
export type RelayReviver<TSystem = unknown> = (path: string, data: unknown, system: TSystem) => ActorRef | undefined;

/** A relay that stands for an ask may say whether it was answered (an owed ask is then paid). */
export function relaySettled(value: object): boolean | undefined {
  const settled = (value as { settled?: unknown }).settled;
  return typeof settled === 'boolean' ? settled : undefined;
}

/** The relay form of `value`, if it is a relay. */
export function relayOf(value: object): RelayForm | undefined {
  return (value as { [RELAY]?: RelayForm })[RELAY];
}
