/**
 * Choreography: publish an event by its type, and let actors subscribe to type patterns with no
 * coordinator in between. Patterns use AMQP topic syntax over the dot-separated words of an event
 * type: `*` matches exactly one word, `#` zero or more (`research.*` matches `research.done`,
 * `research.#` also `research` and `research.web.done`). New subscribers join without touching
 * producers; on the RabbitMQ transport each node binds its queue once per pattern, so published
 * events reach subscribers on every node.
 */
import { InvalidSpecError } from './errors.js';
import type { ArborEvent } from './event.js';
import type { ActorRef } from './ref.js';

/** Throws `INVALID_SPEC` unless `pattern` is a usable topic pattern. */
export function validateTopicPattern(pattern: unknown): string {
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > 200 || pattern.split('.').some((w) => w === '' || (/[*#]/.test(w) && w.length > 1))) {
    throw new InvalidSpecError('pattern', pattern, 'must be dot-separated words, where a word may be "*" (one word) or "#" (any number of words)');
  }
  return pattern;
}

/** A compiled matcher for one topic pattern. */
export function topicMatcher(pattern: string): (topic: string) => boolean {
  const words = pattern.split('.');
  if (!words.includes('*') && !words.includes('#')) return (topic) => topic === pattern;
  return (topic) => matchWords(words, 0, topic.split('.'), 0);
}

function matchWords(p: string[], i: number, t: string[], j: number): boolean {
  for (; i < p.length; i++, j++) {
    const w = p[i];
    if (w === '#') {
      // `#` takes zero or more words: try every split, shortest first.
      for (let k = j; k <= t.length; k++) if (matchWords(p, i + 1, t, k)) return true;
      return false;
    }
    if (j >= t.length) return false;
    if (w !== '*' && w !== t[j]) return false;
  }
  return j === t.length;
}

interface Subscription {
  pattern: string;
  match: (topic: string) => boolean;
  ref: ActorRef;
}

/** The subscriptions of one node. */
export class TopicBus {
  private readonly subs = new Set<Subscription>();
  private readonly patterns = new Map<string, number>();

  /** Adds a subscription; `first` is true when no subscription on this node used `pattern` before. */
  add(pattern: string, ref: ActorRef): { remove: () => boolean; first: boolean } {
    const sub: Subscription = { pattern, match: topicMatcher(pattern), ref };
    this.subs.add(sub);
    const count = this.patterns.get(pattern) ?? 0;
    this.patterns.set(pattern, count + 1);
    return {
      first: count === 0,
      // Returns true when this was the last subscription to `pattern` on this node.
      remove: () => {
        if (!this.subs.delete(sub)) return false;
        const left = (this.patterns.get(pattern) ?? 1) - 1;
        if (left > 0) {
          this.patterns.set(pattern, left);
          return false;
        }
        this.patterns.delete(pattern);
        return true;
      },
    };
  }

  /** Sends `event` to every local subscriber whose pattern matches its type; returns how many. */
  deliver(event: ArborEvent): number {
    let n = 0;
    for (const sub of this.subs) {
      if (!sub.match(event.type)) continue;
      sub.ref.send(event);
      n++;
    }
    return n;
  }

  /** The distinct patterns subscribed on this node. */
  activePatterns(): string[] {
    return [...this.patterns.keys()];
  }
}
