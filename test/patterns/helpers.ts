/** Workers and helpers shared by the pattern tests. */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import type { ActorRef, SimulatedClock, System } from '../../src/index.js';

export interface ReplierInput {
  /** The reply's `value`. */
  value?: unknown;
  /** Ms (clock time) before replying. @default 0 */
  delay?: number;
  /** 'reply' (default), 'silent' (never replies) or 'crash' (crashes on the request). */
  mode?: 'reply' | 'silent' | 'crash';
}

/** Answers `{ type: 'estimate', replyTo }` with `{ type: 'estimate.done', value, correlationId }` after `delay` ms. */
export const replier = setup({
  types: {
    input: {} as ReplierInput,
    context: {} as { value: unknown; delay: number; mode: NonNullable<ReplierInput['mode']>; replyTo: AnyActorRef | undefined; correlationId: unknown },
    events: {} as { type: 'estimate'; replyTo: AnyActorRef; correlationId?: string },
  },
  delays: { delay: ({ context }) => context.delay },
  guards: {
    crashes: ({ context }) => context.mode === 'crash',
    silent: ({ context }) => context.mode === 'silent',
  },
  actions: {
    boom: () => {
      throw new Error('replier crashed');
    },
  },
}).createMachine({
  context: ({ input }) => ({ value: input?.value, delay: input?.delay ?? 0, mode: input?.mode ?? 'reply', replyTo: undefined, correlationId: undefined }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        estimate: [
          { guard: 'crashes', actions: 'boom' },
          { guard: 'silent' },
          { target: 'working', actions: assign({ replyTo: ({ event }) => event.replyTo, correlationId: ({ event }) => event.correlationId }) },
        ],
      },
    },
    working: {
      after: {
        delay: {
          target: 'idle',
          actions: sendTo(({ context }) => context.replyTo!, ({ context }) => ({ type: 'estimate.done', value: context.value, correlationId: context.correlationId })),
        },
      },
    },
  },
});

/** A pino logger that keeps its JSON lines in `lines`. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** Lets promise callbacks and the dispatcher run; `advance` moves the simulated clock first. */
export async function settle(system: { idle(): Promise<void> }, rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await system.idle();
}

/** Runs `ref` to its result, moving the simulated clock by each of `advance` in turn; then shuts the system down. */
export async function resultAfter<T>(t: { system: System; clock: SimulatedClock }, ref: ActorRef, advance: readonly number[] = []): Promise<T> {
  const result = ref.result() as Promise<T>;
  await settle(t.system);
  for (const ms of advance) {
    t.clock.increment(ms);
    await settle(t.system);
  }
  const out = await result;
  await t.system.shutdown();
  return out;
}

/** Records every event it receives, in order. */
export const collector = setup({ types: { context: {} as { seen: Record<string, unknown>[] }, events: {} as { type: string } } }).createMachine({
  context: { seen: [] },
  on: { '*': { actions: assign({ seen: ({ context, event }) => [...context.seen, event] }) } },
});

/** What a {@link collector} has seen. */
export function seen<T = Record<string, unknown>>(ref: ActorRef): T[] {
  return (ref.getSnapshot() as { context: { seen: T[] } }).context.seen;
}
