/**
 * The runtime-owned mailbox of every actor: two queues, system messages always taken before user
 * messages (a stop or restart order overtakes queued work, as in Proto.Actor and Akka), and a
 * bound on user messages with an explicit overflow policy. A mailbox never loses a message
 * silently: whatever it cannot keep is handed back to the caller to be dead-lettered.
 */
import { ArborError, InvalidSpecError } from './errors.js';
import { Deque } from './deque.js';

/** What to do when a user message arrives at a full mailbox. */
export type OverflowPolicy =
  /** The new message is refused: it goes to dead letters (an `ask` rejects) with `MAILBOX_FULL`. */
  | 'reject'
  /** The oldest queued message makes room: it goes to dead letters with `MAILBOX_FULL`. */
  | 'drop_oldest'
  /** `send` throws `ArborError('MAILBOX_FULL')` on the caller's stack: backpressure for producers that handle it. */
  | 'throw';

/** Mailbox options, per actor (spawn options or child spec) or per system (the default). */
export interface MailboxOptions {
  /**
   * Maximum number of queued user messages. System messages are not bounded: the runtime
   * sends few of them and must never be refused.
   * @default 100000
   */
  capacity?: number;
  /**
   * What happens to a user message that finds the mailbox full.
   * @default 'reject'
   */
  overflow?: OverflowPolicy;
}

/** Mailbox options with every field resolved. */
export type ResolvedMailboxOptions = Required<MailboxOptions>;

/** The default mailbox: large enough that bursts are absorbed, bounded so a runaway producer is noticed. */
export const DEFAULT_MAILBOX_OPTIONS: ResolvedMailboxOptions = { capacity: 100_000, overflow: 'reject' };

const POLICIES: readonly OverflowPolicy[] = ['reject', 'drop_oldest', 'throw'];

/** Validates mailbox options and fills in defaults; `field` prefixes the name in errors. */
export function normalizeMailboxOptions(
  options: MailboxOptions | undefined,
  base: ResolvedMailboxOptions = DEFAULT_MAILBOX_OPTIONS,
  field = 'mailbox',
): ResolvedMailboxOptions {
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null) throw new InvalidSpecError(field, options, 'must be an object');
  const capacity = options.capacity === undefined ? base.capacity : options.capacity;
  if (!(capacity === Infinity || (Number.isInteger(capacity) && capacity >= 1))) {
    throw new InvalidSpecError(`${field}.capacity`, capacity, 'must be a positive integer or Infinity');
  }
  const overflow = options.overflow === undefined ? base.overflow : options.overflow;
  if (!POLICIES.includes(overflow)) {
    throw new InvalidSpecError(`${field}.overflow`, overflow, `must be one of ${POLICIES.join(', ')}`);
  }
  return { capacity, overflow };
}

/** What readers may do with a mailbox's user queue: writes go through the mailbox. */
export type UserQueue<U> = Pick<Deque<U>, 'size' | 'shift' | 'peek' | 'last' | 'drain'>;

/**
 * The user queue of every mailbox that has not had a user message yet (an idle actor's: 64 bytes
 * each otherwise). It is never written: only the mailbox writes, and it makes a queue of its own
 * first; what readers may do (`shift`, `drain` included) leaves an empty queue as it is. One class
 * for both, so the hot path sees one object shape.
 */
const NO_USER_MESSAGES = new Deque<never>(16);

/** A mailbox of system messages `S` and user messages `U`. */
export class Mailbox<S, U> {
  /** Made on the first system message: most actors never get one after they start. */
  private _system: Deque<S> | undefined;
  /** User messages (the shared empty queue until the first); urgent ones (see {@link offerUser}) overtake normal ones. */
  private _user: Deque<U> = NO_USER_MESSAGES;

  constructor(readonly options: ResolvedMailboxOptions = DEFAULT_MAILBOX_OPTIONS) {}

  /** User messages, in the order they will be taken. */
  get user(): UserQueue<U> {
    return this._user;
  }

  /** The user queue to write to, made on the first user message. */
  private writableUser(): Deque<U> {
    return this._user === NO_USER_MESSAGES ? (this._user = new Deque<U>(16)) : this._user;
  }

  /** Puts a user message back in front of the queued ones (taken next, ahead of later urgent ones). */
  unshiftUser(message: U): void {
    this.writableUser().unshift(message);
  }

  /** System messages, oldest first. */
  get system(): Deque<S> {
    return (this._system ??= new Deque<S>(4));
  }

  /** How many system messages are queued (without making the queue). */
  get systemSize(): number {
    return this._system === undefined ? 0 : this._system.size;
  }

  pushSystem(message: S): void {
    this.system.push(message);
  }

  /**
   * Offers a user message. Returns `undefined` when it was queued with nothing displaced;
   * otherwise the message the caller must dead-letter (the new one under `'reject'`, the
   * oldest under `'drop_oldest'`). Under `'throw'` a full mailbox throws `MAILBOX_FULL`. An
   * `urgent` message goes behind the urgent ones queued and before every normal one.
   */
  offerUser(message: U, urgent = false): U | undefined {
    if (this._user.size < this.options.capacity) {
      const user = this.writableUser();
      if (urgent) user.pushUrgent(message);
      else user.push(message);
      return undefined;
    }
    switch (this.options.overflow) {
      case 'reject':
        return message;
      case 'drop_oldest': {
        // The next to be taken makes room (an urgent one, if any is queued).
        const user = this.writableUser();
        const oldest = user.shift();
        if (urgent) user.pushUrgent(message);
        else user.push(message);
        return oldest;
      }
      case 'throw':
        throw new ArborError('MAILBOX_FULL', `mailbox full (capacity ${this.options.capacity})`, {
          capacity: this.options.capacity,
        });
    }
  }

  /** Takes the next message: every system message before any user message. */
  take(): { system: true; message: S } | { system: false; message: U } | undefined {
    if (this.systemSize > 0) return { system: true, message: this.system.shift() as S };
    if (this.user.size > 0) return { system: false, message: this.user.shift() as U };
    return undefined;
  }

  get size(): number {
    return this.systemSize + this.user.size;
  }
}
