/**
 * Game machines written for the checker's tests: a tic-tac-toe whose `draw` needs nine valid
 * moves chosen from a payload, and a tile game whose first state is left only by an arrow key
 * with a direction (a payload-guarded exit that a bare event never takes).
 */
import { assign, setup } from 'xstate';

type Cell = 'x' | 'o' | null;
const LINES = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]] as const;

function winner(board: readonly Cell[]): Cell {
  for (const [a, b, c] of LINES) if (board[a] !== null && board[a] === board[b] && board[a] === board[c]) return board[a] ?? null;
  return null;
}

export const ticTacToe = setup({
  types: { context: {} as { board: Cell[]; player: 'x' | 'o'; moves: number }, events: {} as { type: 'PLAY'; value: number } | { type: 'RESET' } },
  guards: {
    validMove: ({ context, event }) => event.type === 'PLAY' && context.board[event.value] === null,
    won: ({ context }) => winner(context.board) !== null,
    full: ({ context }) => context.moves === 9,
  },
}).createMachine({
  id: 'ticTacToe',
  initial: 'playing',
  context: { board: Array<Cell>(9).fill(null), player: 'x', moves: 0 },
  states: {
    playing: {
      always: [
        { guard: 'won', target: 'winner' },
        { guard: 'full', target: 'draw' },
      ],
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
    winner: { on: { RESET: { target: 'playing', actions: assign({ board: () => Array<Cell>(9).fill(null), player: 'x' as const, moves: 0 }) } } },
    draw: { on: { RESET: { target: 'playing', actions: assign({ board: () => Array<Cell>(9).fill(null), player: 'x' as const, moves: 0 }) } } },
  },
});

type Direction = 'up' | 'down' | 'left' | 'right';

export const tiles = setup({
  types: { context: {} as { moves: number }, events: {} as { type: 'ARROW_KEY'; direction: Direction } | { type: 'SHUFFLE' } | { type: 'GIVE_UP' } },
  guards: {
    isArrow: ({ event }) => event.type === 'ARROW_KEY' && ['up', 'down', 'left', 'right'].includes(event.direction),
    hasMoved: ({ context }) => context.moves > 0,
  },
}).createMachine({
  id: 'tiles',
  initial: 'newGame',
  context: { moves: 0 },
  // A root transition into an inner state: shuffling restarts a game in progress.
  on: { SHUFFLE: { guard: 'hasMoved', target: '.playing', actions: assign({ moves: 0 }) } },
  states: {
    newGame: { on: { ARROW_KEY: { guard: 'isArrow', target: 'playing' } } },
    playing: {
      on: {
        ARROW_KEY: { guard: 'isArrow', actions: assign({ moves: ({ context }) => context.moves + 1 }) },
        GIVE_UP: 'over',
      },
    },
    over: { type: 'final' },
  },
});
