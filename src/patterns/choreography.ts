/**
 * Choreography: actors subscribe to event types by topic pattern (`research.*`) and publish what
 * they produce; no coordinator knows the flow. Built on `system.publish` / `system.subscribe`:
 *
 * - {@link publisher}: a send target that publishes, so any machine can `sendTo` the topic bus.
 * - {@link reactor}: worker logic for one participant: for each pattern event it receives it runs
 *   `run` (concurrently, one invoked promise per event) and publishes the derived `emit` event;
 *   a failing run is routed to `onFailure` as a `reactor.failed` event with the reason.
 * - {@link choreography}: spawns participants and subscribes each to its topics; `join` adds a
 *   participant later (a new subscriber, with no change to any producer).
 */
import type { Logger } from 'pino';
import { enqueueActions, fromPromise, setup } from 'xstate';
import { describe as describeValue } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import type { ActorRef } from '../runtime/ref.js';
import type { Unsubscribe } from '../runtime/system-events.js';
import { realClock, type Clock } from '../runtime/clock.js';
import type { EventTarget } from './chain.js';
import { deriveEvent, eventLogger, isPatternEvent, type PatternEvent } from './event.js';
import { fn, loggerOption, nonEmptyString, optionsObject } from './validate.js';

/** What choreography needs of a system. */
export interface TopicSystem {
  readonly node: string;
  publish(event: ArborEvent): void;
  subscribe(pattern: string, ref: ActorRef): Unsubscribe;
  spawn(logic: never, options: { id: string; input?: unknown }): ActorRef;
}

/** The send target behind {@link publisher}. */
export interface PublisherRef extends EventTarget {
  readonly path: string;
  readonly id: string;
  send(event: ArborEvent): void;
  /** @internal XState's `sendTo` relays through `_send`. */
  _send(event: ArborEvent): void;
  toJSON(): { path: string };
}

/**
 * A target that publishes whatever it is sent: give it to machines as their output channel.
 *
 * @example
 * const out = publisher(system);
 * system.spawn(article, { id: 'a1', input: { sink: out } }); // every emitted event is published
 */
export function publisher(system: Pick<TopicSystem, 'node' | 'publish'>): PublisherRef {
  const path = `arbor://${system.node}/$topic`;
  const ref: PublisherRef = {
    path,
    id: '$topic',
    send: (event) => system.publish(event),
    _send: (event) => system.publish(event),
    toJSON: () => ({ path }),
  };
  return ref;
}

/** Options of {@link reactor}. */
export interface ReactorOptions<TIn = unknown, TOut = unknown> {
  /** Names the participant: the machine id and the `source` of what it emits. */
  name: string;
  /** The type of the event it emits, with `run`'s result as `data`. */
  emit: string;
  run: (data: TIn, event: PatternEvent<TIn>, signal: AbortSignal) => TOut | Promise<TOut>;
  /** Stamps emitted events. @default the wall clock */
  clock?: Clock;
  /** @default silent */
  logger?: Logger | false;
}

/** Input of a reactor: where it publishes, and where failures go. */
export interface ReactorInput {
  publish: EventTarget;
  onFailure?: EventTarget;
}

interface ReactorContext {
  publish: EventTarget | undefined;
  onFailure: EventTarget | undefined;
  /** Events being worked on, by child actor id. */
  inflight: Record<string, PatternEvent>;
  handled: number;
  failed: number;
}

/**
 * A choreography participant as worker logic.
 *
 * @example
 * const writer = reactor({ name: 'writer', emit: 'draft.done', run: (notes) => write(notes) });
 * const ref = system.spawn(writer, { id: 'writer', input: { publish: publisher(system) } });
 * system.subscribe('research.done', ref);
 */
export function reactor<TIn = unknown, TOut = unknown>(options: ReactorOptions<TIn, TOut>) {
  const o = optionsObject(options, 'options');
  const name = nonEmptyString(o.name, 'name');
  const emit = nonEmptyString(o.emit, 'emit');
  const run = fn<ReactorOptions<TIn, TOut>['run']>(o.run, 'run');
  const clock = (o.clock as Clock | undefined) ?? realClock;
  const logger = loggerOption(o.logger).child({ reactor: name });
  let seq = 0;
  const take = (context: ReactorContext, actorId: string) => {
    const inflight = { ...context.inflight };
    const cause = inflight[actorId];
    delete inflight[actorId];
    return { cause, inflight };
  };

  return setup({
    types: { input: {} as ReactorInput, context: {} as ReactorContext, events: {} as ArborEvent },
    actors: { run: fromPromise<unknown, PatternEvent>(({ input, signal }) => Promise.resolve(run(input.data as TIn, input as PatternEvent<TIn>, signal))) },
  }).createMachine({
    id: name,
    context: ({ input }) => ({ publish: input?.publish, onFailure: input?.onFailure, inflight: {}, handled: 0, failed: 0 }),
    on: {
      'xstate.done.actor.*': {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const { cause, inflight } = take(context, (event as unknown as { actorId: string }).actorId);
          if (!cause) return;
          const emitted = deriveEvent(cause, emit, (event as unknown as { output: unknown }).output, name, { clock });
          enqueue.assign({ inflight, handled: context.handled + 1 });
          eventLogger(logger, emitted).debug('reactor emitted');
          enqueue(() => context.publish?.send(emitted));
        }),
      },
      'xstate.error.actor.*': {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const { cause, inflight } = take(context, (event as unknown as { actorId: string }).actorId);
          if (!cause) return;
          const error = (event as unknown as { error: unknown }).error;
          const reason = error instanceof Error ? error.message : describeValue(error);
          enqueue.assign({ inflight, failed: context.failed + 1 });
          eventLogger(logger, cause).warn({ reason }, 'reactor failed');
          enqueue(() => context.onFailure?.send(deriveEvent(cause, 'reactor.failed', { reactor: name, reason, event: cause }, name, { clock })));
        }),
      },
      '*': {
        guard: ({ event }) => isPatternEvent(event),
        actions: enqueueActions(({ context, event, enqueue }) => {
          const actorId = `run-${++seq}`;
          enqueue.assign({ inflight: { ...context.inflight, [actorId]: event as PatternEvent } });
          enqueue.spawnChild('run', { id: actorId, input: event as PatternEvent });
        }),
      },
    },
  });
}

/** One participant of a {@link choreography}. */
export interface Participant {
  id: string;
  logic: unknown;
  input?: unknown;
  /** Topic patterns it subscribes to. */
  topics: string[];
}

/** A running choreography. */
export interface Choreography {
  /** Participants' refs by id. */
  readonly refs: Record<string, ActorRef>;
  /** Spawns and subscribes another participant; resolves once its subscriptions reach every node. */
  join(participant: Participant): Promise<ActorRef>;
  /** Unsubscribes every participant (they keep running). */
  leave(): void;
}

/**
 * Spawns `participants` as root actors and subscribes each to its topics.
 *
 * @example
 * const flow = await choreography(system, [
 *   { id: 'researcher', logic: researcher, input: { publish: publisher(system) }, topics: ['research.requested'] },
 *   { id: 'writer', logic: writer, input: { publish: publisher(system) }, topics: ['research.done'] },
 * ]);
 * await flow.join({ id: 'auditor', logic: auditor, topics: ['#'] }); // no producer changes
 */
export async function choreography(system: TopicSystem, participants: Participant[]): Promise<Choreography> {
  const refs: Record<string, ActorRef> = {};
  const subscriptions: Unsubscribe[] = [];
  const join = async (p: Participant): Promise<ActorRef> => {
    const ref = system.spawn(p.logic as never, { id: p.id, input: p.input });
    refs[p.id] = ref;
    const subs = p.topics.map((topic) => system.subscribe(topic, ref));
    subscriptions.push(...subs);
    await Promise.all(subs.map((s) => s.ready));
    return ref;
  };
  for (const p of participants) await join(p);
  return { refs, join, leave: () => subscriptions.splice(0).forEach((off) => off()) };
}
