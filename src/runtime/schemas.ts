/**
 * Event schemas (`createSystem({ schemas })`): any [Standard Schema](https://standardschema.dev)
 * validator (zod, valibot, arktype, a hand-written one) per event type. Arbor depends on no schema
 * library: it calls `schema['~standard'].validate(event)` and reads the issues.
 *
 * A send, ask or publish of an invalid event throws `INVALID_EVENT` at the sender, with the issues
 * in `details`; an event from another node is validated again on arrival and dead-lettered with
 * `INVALID_EVENT`. An event whose `schemaVersion` is newer than the version registered for its
 * type is dead-lettered (or refused at the sender) with `SCHEMA_VERSION`: it is never half-processed
 * by a receiver that does not know its shape. Validators must be synchronous (a send returns at
 * once); one that returns a promise is reported as `INVALID_SPEC` on first use.
 */
import { ArborError, InvalidSpecError } from './errors.js';
import type { ArborEvent } from './event.js';

/** The Standard Schema interface, version 1 (the part Arbor uses). */
export interface StandardSchemaV1 {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult | Promise<StandardResult>;
  };
}

/** What a Standard Schema's `validate` returns. */
export type StandardResult = { readonly value: unknown; readonly issues?: undefined } | { readonly issues: readonly StandardIssue[] };

/** One problem a schema found. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** A schema per event type; with `version`, events with a higher `schemaVersion` are refused. */
export type EventSchemas = Record<string, StandardSchemaV1 | { schema: StandardSchemaV1; version: number }>;

declare module './errors.js' {
  interface ErrorCodes {
    /** An event's `schemaVersion` is newer than the version this node registered for its type. */
    SCHEMA_VERSION: 'runtime';
  }
}

function isSchema(value: unknown): value is StandardSchemaV1 {
  const std = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  return typeof std === 'object' && std !== null && std.version === 1 && typeof std.validate === 'function';
}

/** The issues in a plain form for `details` (paths as dotted strings). */
function plainIssues(issues: readonly StandardIssue[]): { message: string; path?: string }[] {
  return issues.map((i) => {
    const path = i.path?.map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    return path ? { message: i.message, path } : { message: i.message };
  });
}

/** The registered schemas of one system. */
export class SchemaRegistry {
  private readonly byType = new Map<string, { schema: StandardSchemaV1; version: number | undefined }>();

  /** Throws `INVALID_SPEC` naming the type whose entry is not a Standard Schema. */
  constructor(schemas: EventSchemas) {
    if (typeof schemas !== 'object' || schemas === null) throw new InvalidSpecError('schemas', schemas, 'must be an object of event type → Standard Schema');
    for (const [type, entry] of Object.entries(schemas)) {
      if (isSchema(entry)) this.byType.set(type, { schema: entry, version: undefined });
      else if (typeof entry === 'object' && entry !== null && isSchema((entry as { schema?: unknown }).schema) && Number.isInteger((entry as { version?: unknown }).version)) {
        this.byType.set(type, { schema: (entry as { schema: StandardSchemaV1 }).schema, version: (entry as { version: number }).version });
      } else throw new InvalidSpecError(`schemas.${type}`, entry, 'must be a Standard Schema (zod, valibot, ...) or { schema, version }');
    }
  }

  /** Why `event` is not acceptable (`INVALID_EVENT` or `SCHEMA_VERSION`), or undefined. */
  check(event: ArborEvent): ArborError | undefined {
    if (typeof event !== 'object' || event === null) return undefined;
    const entry = this.byType.get(event.type);
    if (entry === undefined) return undefined;
    const version = event['schemaVersion'];
    if (entry.version !== undefined && typeof version === 'number' && version > entry.version) {
      return new ArborError('SCHEMA_VERSION', `event "${event.type}" has schemaVersion ${version}, newer than ${entry.version} known here`, { type: event.type, schemaVersion: version, known: entry.version });
    }
    const result = entry.schema['~standard'].validate(event);
    if (result instanceof Promise) {
      return new InvalidSpecError(`schemas.${event.type}`, entry.schema, 'must validate synchronously (its validate returned a promise)');
    }
    if (result.issues === undefined) return undefined;
    const issues = plainIssues(result.issues);
    return new ArborError('INVALID_EVENT', `invalid "${event.type}" event: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, { type: event.type, issues, event });
  }

  /** Throws what {@link check} finds. */
  assert(event: ArborEvent): void {
    const error = this.check(event);
    if (error) throw error;
  }
}
