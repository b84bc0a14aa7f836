// Hierarchical delegation: 1,000 leaf tasks in chunks of 10 — a tree of supervisors three levels
// deep, started dynamically under a running supervisor; every level aggregates its children's
// results. Run: npx tsx examples/patterns/delegation.ts
import { fromPromise } from 'xstate';
import { createSystem, delegate, delegationTree, supervisor, treeToMermaid } from '../../src/index.js';

// A leaf: "summarise" page n (fails once for page 500, then succeeds on restart).
let failedOnce = false;
const summarise = fromPromise<number, number>(async ({ input }) => {
  if (input === 500 && !failedOnce) {
    failedOnce = true;
    throw new Error('flaky page');
  }
  return input % 7;
});

console.log(treeToMermaid(delegationTree({ tasks: [1, 2, 3, 4, 5], leaf: () => summarise, chunkSize: 2 }).logic));

const system = await createSystem({ logger: false });
let restarts = 0;
system.on('report', (r) => void (r.kind === 'child_restarted' && restarts++));
const root = system.spawn(supervisor({ children: [] }), { id: 'root' });
const pages = Array.from({ length: 1000 }, (_, i) => i);
const { results, missing, depth } = await delegate(root, { id: 'summaries', tasks: pages, leaf: () => summarise, chunkSize: 10, supervision: { intensity: 3 } });
console.log(`depth ${depth}, ${results.length} results, missing ${missing.length}, restarts ${restarts}, sum ${results.reduce((a: number, b) => a + (b as number), 0)}`);
await system.shutdown();
