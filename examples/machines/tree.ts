/**
 * A supervision tree as plain supervisor options, for `treeToMermaid` and `arbor diagram`: a root
 * supervisor with workers running the example machines and a nested supervisor whose second
 * child is placed on another node. (A nested supervisor is anything with a `spec`, which is what
 * `supervisor({...})` returns.)
 */
import type { SupervisorSpecLike } from '../../src/diagrams/index.js';
import { counterMachine } from './counter.js';
import { orderMachine } from './order.js';
import { trafficLightMachine } from './traffic-light.js';

const lights: SupervisorSpecLike = {
  strategy: 'rest_for_one',
  intensity: 5,
  period: 60000,
  children: [
    { id: 'north', logic: trafficLightMachine, restart: 'transient' },
    { id: 'south', kind: 'trafficLight', node: ['node-b', 'node-c'], restart: 'temporary' },
  ],
};

const tree: SupervisorSpecLike = {
  strategy: 'one_for_all',
  intensity: 3,
  period: 10000,
  children: [
    { id: 'orders', logic: orderMachine, restart: 'permanent' },
    { id: 'lights', logic: { spec: lights } },
    { id: 'counter', logic: counterMachine, restart: 'transient', significant: true },
  ],
};

export default tree;
