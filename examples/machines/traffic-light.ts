/**
 * A traffic light: while operating, cars and pedestrians are parallel regions driven by delays; a
 * waiting pedestrian may walk once the cars' light is red (an eventless transition guarded by
 * `stateIn`). A fault makes it flash until repaired.
 */
import { createMachine, stateIn } from 'xstate';

export const trafficLightMachine = createMachine({
  id: 'trafficLight',
  initial: 'operating',
  states: {
    operating: {
      type: 'parallel',
      on: { fault: 'flashing' },
      states: {
        cars: {
          initial: 'green',
          states: {
            green: { after: { 30000: 'yellow' } },
            yellow: { after: { 3000: 'red' } },
            red: { after: { 20000: 'green' } },
          },
        },
        pedestrians: {
          initial: 'dontWalk',
          states: {
            dontWalk: { on: { button: 'waiting' } },
            waiting: { always: { guard: stateIn('#trafficLight.operating.cars.red'), target: 'walk' } },
            walk: { after: { 15000: 'dontWalk' } },
          },
        },
      },
    },
    flashing: { on: { repair: 'operating', shutdown: 'off' } },
    off: { type: 'final' },
  },
});
