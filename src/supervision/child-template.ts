/**
 * A normalized child spec: the child's id and a frozen `ChildTemplate` holding every other field,
 * shared by consecutive children whose specs say the same (100 k workers of one logic hold one),
 * so a child costs two fields. `spec.ts` validates a spec and builds the template; this file
 * decides when one is shared and reads its fields through getters.
 */
import type { NormalizedDurableOptions } from '../runtime/durable-options.js';
import type { MailboxOptions } from '../runtime/mailbox.js';
import type { Shutdown } from '../runtime/cell.js';

export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * What a child spec says besides its id, normalized. Frozen, and shared by consecutive children
 * whose specs say the same (100 k workers of one logic hold one), so it costs a child nothing.
 */
export interface ChildTemplate {
  readonly logic: unknown;
  readonly kind: string | undefined;
  readonly node: string[] | undefined;
  readonly input: unknown;
  readonly restart: RestartType;
  readonly shutdown: Shutdown;
  readonly significant: boolean;
  readonly mailbox: MailboxOptions | undefined;
  readonly durable: NormalizedDurableOptions | undefined;
}

export interface NormalizedChildSpec extends ChildTemplate {
  readonly id: string;
  /** The (possibly shared) rest of the spec. */
  readonly template: ChildTemplate;
}

/** A child's id and its template: two fields a child, the template's fields read through. */
class NormalizedChild implements NormalizedChildSpec {
  constructor(
    readonly id: string,
    readonly template: ChildTemplate,
  ) {}
  get logic(): unknown {
    return this.template.logic;
  }
  get kind(): string | undefined {
    return this.template.kind;
  }
  get node(): string[] | undefined {
    return this.template.node;
  }
  get input(): unknown {
    return this.template.input;
  }
  get restart(): RestartType {
    return this.template.restart;
  }
  get shutdown(): Shutdown {
    return this.template.shutdown;
  }
  get significant(): boolean {
    return this.template.significant;
  }
  get mailbox(): MailboxOptions | undefined {
    return this.template.mailbox;
  }
  get durable(): NormalizedDurableOptions | undefined {
    return this.template.durable;
  }
  /** Every field, as the plain object a spec used to be (for JSON and equality in tests). */
  toJSON(): Omit<NormalizedChildSpec, 'template'> {
    return { id: this.id, ...this.template };
  }
}

/** `t`, when every field of `u` is the same value (not merely equal), else `u` frozen. */
function shared(t: ChildTemplate | undefined, u: ChildTemplate): ChildTemplate {
  if (
    t !== undefined &&
    t.logic === u.logic &&
    t.kind === u.kind &&
    t.node === u.node &&
    t.input === u.input &&
    t.restart === u.restart &&
    t.shutdown === u.shutdown &&
    t.significant === u.significant &&
    t.mailbox === u.mailbox &&
    t.durable === u.durable
  ) {
    return t;
  }
  return Object.freeze(u);
}

/**
 * The child `id` with `template`, or with `previous` instead when every field of the two is the
 * same value (so consecutive children with the same spec share one frozen template).
 */
export function sharedChild(id: string, template: ChildTemplate, previous: ChildTemplate | undefined): NormalizedChildSpec {
  return new NormalizedChild(id, shared(previous, template));
}
