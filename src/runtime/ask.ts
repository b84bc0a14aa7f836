/**
 * The temporary reply refs behind `ask`. Each lives until its first reply, its timeout, or the
 * dead-lettering of its request, whichever comes first; it is then unregistered.
 */
import type { Clock } from './clock.js';
import { ArborError, InvalidSpecError } from './errors.js';
import { assertEvent, type ArborEvent } from './event.js';
import { DEFAULT_ASK_TIMEOUT, type ActorRef, type AskOptions } from './ref.js';

/** Fails what waits for a reply at a reply ref (an ask's, or a relay that stands for one: see `relay.ts`). */
export const ASK_FAIL = Symbol('arbor.ask.fail');

/** The `replyTo` an ask adds to its request. */
export interface ReplyRef {
  readonly path: string;
  readonly id: string;
  send(event: ArborEvent): void;
  _send(event: ArborEvent): void;
  toJSON(): { path: string };
  /** @internal */
  [ASK_FAIL]: (error: Error) => void;
}

/** If `event.replyTo` is a pending ask (or a relay standing for one), fails it with `error` and returns true. */
export function failAsk(event: unknown, error: Error): boolean {
  const replyTo = (event as { replyTo?: Partial<ReplyRef> } | null)?.replyTo;
  if (typeof replyTo?.[ASK_FAIL] !== 'function') return false;
  replyTo[ASK_FAIL](error);
  return true;
}

/** The error of an ask to `target` with an event of `eventType` that had no reply within `timeout` ms. */
export function askTimeoutError(target: string, eventType: string, timeout: number): ArborError {
  return new ArborError('ASK_TIMEOUT', `no reply from ${target} to "${eventType}" within ${timeout} ms`, { target, eventType, timeout });
}

export class Asks {
  private seq = 0;
  readonly pending = new Map<string, ReplyRef>();

  constructor(
    private readonly node: string,
    private readonly clock: Clock,
    /** Told of every reply an ask takes (the system journals replies like mailbox deliveries). */
    private readonly onReply?: (path: string, reply: ArborEvent) => void,
  ) {}

  ask<T>(target: ActorRef, event: ArborEvent, options: AskOptions | undefined): Promise<T> {
    assertEvent(event);
    const timeout = options?.timeout ?? DEFAULT_ASK_TIMEOUT;
    const accept = options?.accept;
    if (accept !== undefined && typeof accept !== 'function') {
      return Promise.reject(new InvalidSpecError('accept', accept, 'must be a function', { subject: 'ask option' }));
    }
    if (!(timeout > 0)) {
      return Promise.reject(new InvalidSpecError('timeout', timeout, 'must be a positive number of ms', { subject: 'ask option' }));
    }
    return new Promise<T>((resolve, reject) => {
      const id = `$ask/${++this.seq}`;
      const path = `arbor://${this.node}/${id}`;
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        this.clock.clearTimeout(timer);
        this.pending.delete(path);
        return true;
      };
      const reply: ReplyRef = {
        path,
        id,
        send: (ev) => {
          assertEvent(ev);
          if (done) return;
          if (accept && !accept(ev)) return options?.onRejected?.(ev);
          if (!finish()) return;
          this.onReply?.(path, ev);
          resolve(ev as T);
        },
        _send: (ev) => reply.send(ev),
        toJSON: () => ({ path }),
        [ASK_FAIL]: (error) => {
          if (finish()) reject(error);
        },
      };
      const timer = this.clock.setTimeout(() => {
        reply[ASK_FAIL](askTimeoutError(target.path, event.type, timeout));
      }, timeout);
      this.pending.set(path, reply);
      try {
        target.send({ ...event, replyTo: reply });
      } catch (err) {
        reply[ASK_FAIL](err as Error);
      }
    });
  }

  /** Fails every pending ask (used at shutdown, so nothing waits for a timeout). */
  failAll(error: Error): void {
    for (const reply of [...this.pending.values()]) reply[ASK_FAIL](error);
  }
}
