/**
 * The port through which the runtime hands cluster singletons (`spawn(..., { singleton: true })`)
 * to the layer that runs them (`src/durable/singletons.ts`, plugged in by `createSystem`). The
 * runtime only validates the spawn and routes: a singleton's path is `arbor://$singleton/<id>`,
 * and user messages for it arrive from its broker queue through {@link SingletonPort.deliver}.
 */
import type { Shutdown, TreeNode } from './cell.js';
import type { NormalizedDurableOptions } from './durable-options.js';
import type { ArborEvent } from './event.js';
import type { ResolvedMailboxOptions } from './mailbox.js';
import type { DeliveryResult, Envelope } from './transport.js';

/** What `system.spawn` hands on for a singleton. */
export interface SingletonSpawn {
  readonly id: string;
  readonly logic: unknown;
  readonly input: unknown;
  readonly mailbox: ResolvedMailboxOptions;
  readonly durable: NormalizedDurableOptions;
  readonly shutdown: Shutdown | undefined;
}

/** How a singleton ended for good, as its owner tells the other nodes. */
export type SingletonExit = { readonly normal: true; readonly output: unknown } | { readonly normal: false; readonly error: Error };

/** A singleton this node knows, for `describe()` (the inspector marks it). */
export interface SingletonStatus {
  readonly id: string;
  readonly path: string;
  /** `owner`: this node runs it; `standby`: it waits to take over; `ended`: it exited for good. */
  readonly role: 'owner' | 'standby' | 'ended';
}

export interface SingletonPort {
  /** Joins the singleton `request.id` on this node (its queue consumed as a standby); throws `INVALID_SPEC`. */
  spawn(request: SingletonSpawn): void;
  /** Whether this node spawned a singleton with this id. */
  knows(id: string): boolean;
  /** A user message from the singleton's queue for `path` (at or below its root). */
  deliver(path: string, event: ArborEvent, envelope: Envelope): DeliveryResult | Promise<DeliveryResult>;
  /** The result of the singleton whose root is `path`. */
  result(path: string): Promise<unknown>;
  /** Its owner (another node) says the singleton `id` ended for good. */
  ended(id: string, exit: SingletonExit): void;
  /** A node went down: a standby makes sure the broker's choice of owner is heard. */
  nodeDown(node: string): void;
  /** The roots of the singletons this node runs now (each with `singleton: true`). */
  roots(): TreeNode[];
  status(): SingletonStatus[];
  /** Stops what runs here and leaves every singleton queue, so another node takes over. */
  shutdown(): Promise<void>;
}
