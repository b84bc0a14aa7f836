/**
 * A module for `arbor run --broker`: a root supervisor with one ticker here and one on whichever
 * node hosts the `ticker` kind (start one with examples/run-service.ts first), then look at the
 * whole tree with `arbor status`:
 *
 *   npx arbor run examples/run-service.ts --broker amqp://localhost --cluster demo --node b &
 *   npx arbor run examples/run-cluster.ts --broker amqp://localhost --cluster demo --node a &
 *   npx arbor status --broker amqp://localhost --cluster demo
 */
import { supervisor } from '../src/index.js';
import { ticker } from './run-service.js';

export default supervisor({
  strategy: 'one_for_one',
  intensity: 5,
  period: 10_000,
  // Until a node hosting "ticker" is up, placing `remote` fails: retry at a gentle pace meanwhile.
  backoff: { min: 500, max: 2000 },
  children: [
    { id: 'local', logic: ticker },
    { id: 'remote', kind: 'ticker', node: ['b'] },
  ],
});
