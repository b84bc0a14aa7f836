/**
 * Pattern events: every event a pattern creates carries `id`, `type`, `source`, `time`,
 * `correlationId` (the workflow it belongs to), `causationId` (the event that caused it) and
 * `schemaVersion`, with its payload under `data`. A root event is its own cause and, unless
 * told otherwise, its own correlation: `correlationId = causationId = id`. Events derived from
 * it keep its correlation id and name it as their cause, so a workflow's events form a tree
 * that logs and journals can follow.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { realClock, type Clock } from '../runtime/clock.js';
import { ArborError, InvalidSpecError, describe } from '../runtime/errors.js';
import { assertEvent, type ArborEvent } from '../runtime/event.js';
import { nonEmptyString, optionsObject } from './validate.js';

/** The schema version {@link createEvent} stamps unless told otherwise. */
export const DEFAULT_SCHEMA_VERSION = 1;

/** An event with the metadata every pattern relies on. */
export interface PatternEvent<TData = unknown, TType extends string = string> extends ArborEvent {
  type: TType;
  /** Unique per event; the idempotency key. */
  id: string;
  /** Who emitted it (an actor path, a stage name, a service). */
  source: string;
  /** When, in ms on the emitter's clock. */
  time: number;
  /** The workflow it belongs to: the id of the root event, unless given. */
  correlationId: string;
  /** The id of the event that caused it (a root event is its own cause). */
  causationId: string;
  schemaVersion: number;
  data: TData;
}

/** Options of {@link createEvent}. */
export interface CreateEventOptions {
  /** Who emits the event. */
  source: string;
  /** @default the new event's own id (it starts a workflow) */
  correlationId?: string;
  /** @default the new event's own id */
  causationId?: string;
  /** @default 1 */
  schemaVersion?: number;
  /** Stamps `time`. @default the wall clock */
  clock?: Clock;
  /** Makes `id`. @default `randomUUID` */
  id?: () => string;
}

/**
 * A new event with fresh metadata. Throws `INVALID_SPEC` naming the bad option.
 *
 * @example
 * const start = createEvent('research.requested', { topic: 'actors' }, { source: 'planner' });
 * start.correlationId === start.id; // a root event starts its own workflow
 */
export function createEvent<TData, TType extends string>(type: TType, data: TData, options: CreateEventOptions): PatternEvent<TData, TType> {
  nonEmptyString(type, 'type');
  const o = optionsObject(options, 'options');
  const source = nonEmptyString(o.source, 'source');
  const makeId = o.id === undefined ? randomUUID : (o.id as () => string);
  if (typeof makeId !== 'function') throw new InvalidSpecError('id', o.id, 'must be a function returning a fresh id');
  const clock = (o.clock as Clock | undefined) ?? realClock;
  if (typeof clock.now !== 'function') throw new InvalidSpecError('clock', o.clock, 'must be a Clock');
  const schemaVersion = o.schemaVersion ?? DEFAULT_SCHEMA_VERSION;
  if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion) || schemaVersion < 1) {
    throw new InvalidSpecError('schemaVersion', schemaVersion, 'must be an integer >= 1');
  }
  const id = nonEmptyString(makeId(), 'id()');
  const correlationId = o.correlationId === undefined ? id : nonEmptyString(o.correlationId, 'correlationId');
  const causationId = o.causationId === undefined ? id : nonEmptyString(o.causationId, 'causationId');
  return { type, id, source, time: clock.now(), correlationId, causationId, schemaVersion, data };
}

/**
 * The next event of a workflow: same correlation id, caused by `parent`.
 *
 * @example
 * const done = deriveEvent(start, 'research.done', { notes }, 'researcher');
 * done.correlationId === start.correlationId && done.causationId === start.id; // true
 */
export function deriveEvent<TData, TType extends string>(
  parent: PatternEvent,
  type: TType,
  data: TData,
  source: string,
  options: Omit<CreateEventOptions, 'source' | 'correlationId' | 'causationId'> = {},
): PatternEvent<TData, TType> {
  assertPatternEvent(parent);
  return createEvent(type, data, { schemaVersion: parent.schemaVersion, ...options, source, correlationId: parent.correlationId, causationId: parent.id });
}

const STRING_FIELDS = ['id', 'source', 'correlationId', 'causationId'] as const;

/**
 * Throws unless `value` is a well-formed {@link PatternEvent}: a `TypeError` (code
 * `INVALID_EVENT`) when it is not an event at all, else an `ArborError` with code
 * `INVALID_EVENT` whose details name the bad field and its value.
 */
export function assertPatternEvent(value: unknown): asserts value is PatternEvent {
  assertEvent(value);
  const bad = (field: string, expected: string): never => {
    throw new ArborError('INVALID_EVENT', `invalid event "${value.type}": ${field} ${expected}, got ${describe(value[field])}`, {
      field,
      value: value[field],
      eventType: value.type,
    });
  };
  for (const field of STRING_FIELDS) if (typeof value[field] !== 'string' || value[field] === '') bad(field, 'must be a non-empty string');
  if (typeof value.time !== 'number' || !Number.isFinite(value.time)) bad('time', 'must be a finite number');
  if (typeof value.schemaVersion !== 'number' || !Number.isInteger(value.schemaVersion) || value.schemaVersion < 1) bad('schemaVersion', 'must be an integer >= 1');
  if (!('data' in value)) bad('data', 'must be present');
}

/** True when `value` is a well-formed {@link PatternEvent}. */
export function isPatternEvent(value: unknown): value is PatternEvent {
  try {
    assertPatternEvent(value);
    return true;
  } catch {
    return false;
  }
}

/** The metadata of an event as log fields (`eventId`, `eventType`, `correlationId`, `causationId`). */
export function eventFields(event: Partial<PatternEvent>): Record<string, unknown> {
  const fields: Record<string, unknown> = { eventId: event.id, eventType: event.type, correlationId: event.correlationId, causationId: event.causationId };
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  return fields;
}

/** A pino child logger whose every line carries the event's id, type, correlation and causation ids. */
export function eventLogger(logger: Logger, event: Partial<PatternEvent>): Logger {
  return logger.child(eventFields(event));
}
