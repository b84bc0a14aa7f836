/**
 * Workflow machines written for the checker's tests, in the style of XState's examples: states
 * reached only when an invoked actor finishes (named and inline sources, nested invokes),
 * root transitions into inner states, and `after`.
 */
import { assign, createMachine, fromPromise, setup } from 'xstate';

/** How many times a real actor of this corpus was started: a check must never start one. */
export const started = { fetchUser: 0, bookFlight: 0 };

/** A flight booker: `booked` is reached only when the `bookFlight` promise resolves. */
export const flightBooker = setup({
  types: { context: {} as { trip: 'oneWay' | 'return'; error: string | undefined }, events: {} as { type: 'SET_TRIP'; trip: 'oneWay' | 'return' } | { type: 'BOOK' } | { type: 'RETRY' } },
  actors: {
    bookFlight: fromPromise(async () => {
      started.bookFlight++;
      return { confirmation: 'ABC123' };
    }),
  },
}).createMachine({
  id: 'flightBooker',
  initial: 'editing',
  context: { trip: 'oneWay', error: undefined },
  states: {
    editing: {
      on: {
        SET_TRIP: { actions: assign({ trip: ({ event }) => event.trip }) },
        BOOK: 'booking',
      },
    },
    booking: {
      invoke: {
        id: 'booking',
        src: 'bookFlight',
        onDone: 'booked',
        onError: { target: 'failed', actions: assign({ error: ({ event }) => String((event.error as Error).message) }) },
      },
    },
    booked: { type: 'final' },
    failed: { on: { RETRY: 'booking' } },
  },
});

/**
 * A credit check: a user profile is fetched, then two bureaus are queried in parallel (inline
 * promise logic, unnamed invokes), then interest rates are fetched; each outcome leads somewhere
 * else. Half of its states are reached only through actor outcomes.
 */
export const creditCheck = createMachine(
  {
  id: 'creditCheck',
  types: {} as { context: { score: number } },
  initial: 'idle',
  context: { score: 0 },
  on: { CANCEL: '.cancelled' },
  states: {
    idle: { on: { START: 'fetchingUser' } },
    fetchingUser: { invoke: { src: 'fetchUser', onDone: 'checking', onError: 'userNotFound' } },
    userNotFound: { on: { RETRY: 'fetchingUser' } },
    checking: {
      type: 'parallel',
      states: {
        equifax: {
          initial: 'querying',
          states: {
            querying: {
              invoke: {
                src: fromPromise(async () => 720),
                onDone: { target: 'done', actions: assign({ score: ({ event }) => Math.max(0, Number(event.output)) }) },
                onError: 'done',
              },
            },
            done: { type: 'final' },
          },
        },
        experian: {
          initial: 'querying',
          states: {
            querying: { invoke: { src: fromPromise(async () => 'ok'), onDone: 'done', onError: 'done' } },
            done: { type: 'final' },
          },
        },
      },
      onDone: [{ guard: 'goodScore', target: 'rates' }, { target: 'rejected' }],
    },
    rates: {
      initial: 'fetching',
      states: {
        fetching: { invoke: { src: fromPromise(async () => [3.5]), onDone: 'offered', onError: '#creditCheck.manualReview' } },
        offered: { on: { ACCEPT: '#creditCheck.approved' } },
      },
    },
    manualReview: { after: { 86_400_000: 'rejected' }, on: { APPROVE: 'approved' } },
    approved: { type: 'final' },
    rejected: { type: 'final' },
    cancelled: { type: 'final' },
  },
},
  {
    actors: {
      fetchUser: fromPromise(async () => {
        started.fetchUser++;
        return { name: 'Ann' };
      }),
    },
    guards: { goodScore: ({ context }: { context: { score: number } }) => context.score >= 700 },
  },
);

/**
 * The score outputs the credit check's bureaus may give (both sides of the `goodScore` guard):
 * inline logic is named by the key of the state that invokes it, as the diagram shows it.
 */
export const creditCheckOptions = {
  actors: { querying: { output: [650, 720] } },
};
