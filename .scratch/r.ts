import { createMachine } from 'xstate';
import { checkMachine } from '../src/index.js';
const machine = createMachine({ id: 'instant', initial: 'a', states: { a: { always: 'done' }, b: { on: { go: 'done' } }, done: { type: 'final' } } });
console.log(JSON.stringify((await checkMachine(machine, { numRuns: 20, seed: 1 })).failures));
