/**
 * Three planted bugs for the checker's tests, each behind something the old search could not
 * reach: an actor's output, an actor's failure, and nine-ish moves chosen from a payload.
 */
import { assign, fromPromise, setup } from 'xstate';

/** Bug: the lending desk assumes the looked-up book is available and throws otherwise. */
export const bookLending = setup({
  types: { context: {} as { loans: number } },
  actors: { lookupBook: fromPromise(async () => ({ available: true })) },
  actions: {
    lend: assign({
      loans: ({ context, event }) => {
        const book = (event as { output?: { available?: boolean } }).output;
        if (!book?.available) throw new Error('lent a book that is not on the shelf');
        return context.loans + 1;
      },
    }),
  },
}).createMachine({
  id: 'bookLending',
  initial: 'browsing',
  context: { loans: 0 },
  states: {
    browsing: { on: { REQUEST: 'lookingUp', LEAVE: 'left' } },
    lookingUp: { invoke: { id: 'lookup', src: 'lookupBook', onDone: { target: 'browsing', actions: 'lend' }, onError: 'browsing' } },
    left: { type: 'final' },
  },
});

/** The lookup outputs: the bug needs the second. */
export const bookLendingOptions = { actors: { lookupBook: { output: [{ available: true }, { available: false }] } } };

/** Bug: when the questions cannot be fetched the game lands in a state nothing leaves. */
export const trivia = setup({
  types: { context: {} as { score: number } },
  actors: { fetchQuestions: fromPromise(async () => ['q1']) },
}).createMachine({
  id: 'trivia',
  initial: 'lobby',
  context: { score: 0 },
  states: {
    lobby: { on: { START: 'loading' } },
    loading: { invoke: { id: 'questions', src: 'fetchQuestions', onDone: 'asking', onError: 'broken' } },
    asking: { on: { ANSWER: { target: 'lobby', actions: assign({ score: ({ context }) => context.score + 1 }) } } },
    broken: {},
  },
});

type Cell = 'x' | 'o' | null;

/** Bug: the board counts as full after eight moves, so a game can end in a draw with a free cell. */
export const hastyTicTacToe = setup({
  types: { context: {} as { board: Cell[]; player: 'x' | 'o'; moves: number }, events: {} as { type: 'PLAY'; value: number } },
  guards: {
    validMove: ({ context, event }) => context.board[event.value] === null,
    full: ({ context }) => context.moves === 8,
  },
}).createMachine({
  id: 'hastyTicTacToe',
  initial: 'playing',
  context: { board: Array<Cell>(9).fill(null), player: 'x', moves: 0 },
  states: {
    playing: {
      always: { guard: 'full', target: 'draw' },
      on: {
        PLAY: {
          guard: 'validMove',
          actions: assign({
            board: ({ context, event }) => context.board.map((cell, i) => (i === event.value ? context.player : cell)),
            player: ({ context }) => (context.player === 'x' ? 'o' : 'x'),
            moves: ({ context }) => context.moves + 1,
          }),
        },
      },
    },
    draw: { type: 'final' },
  },
});
