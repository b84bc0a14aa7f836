// A token budget per subtree and a circuit breaker that stops a runaway subtree: the research
// agents draw tokens; a model that keeps failing opens the breaker, which terminates the research
// subtree, and restarts it as the probe after the cool-down. Run: npx tsx examples/patterns/budget-breaker.ts
import { setup } from 'xstate';
import { Budget, CircuitBreaker, createSystem, isArborError, stopSubtree, supervisor } from '../../src/index.js';

const idle = setup({}).createMachine({});
const system = await createSystem({ logger: false });
system.on('report', (r) => r.kind !== 'child_started' && console.log(`  report: ${r.kind} ${r.child}`));
const root = system.spawn(supervisor({ children: [{ id: 'research', logic: supervisor({ children: [{ id: 'agent', logic: idle }] }) }] }), { id: 'root' });

const tokens = new Budget({ name: 'tokens', limit: 5000 });
const research = tokens.child('research', 2000);
const breaker = new CircuitBreaker({ name: 'model', failureThreshold: 3, coolDown: 200, clock: system.clock, onStateChange: (to, from) => console.log(`breaker ${from} → ${to}`) });
stopSubtree(breaker, root, 'research');

// A model call: draws its tokens first, fails while the model is down.
let modelUp = false;
async function call(tokensNeeded: number): Promise<string> {
  return breaker.call(async () => {
    research.draw(tokensNeeded);
    if (!modelUp) throw new Error('model timeout');
    return 'answer';
  });
}

for (let i = 0; i < 5; i++) {
  await call(300).catch((err: unknown) => console.log(`call ${i}: ${isArborError(err) ? err.code : (err as Error).message}`));
}
console.log(`research used ${research.used} of ${research.limit}; whole tree ${tokens.used} of ${tokens.limit}`);
await new Promise((resolve) => setTimeout(resolve, 250));
modelUp = true;
console.log('probe:', await call(300), '— research subtree:', root.whichChildren()[0]?.status);
await call(1000).catch((err: unknown) => console.log(`over budget: ${(err as Error).message}`));
await system.shutdown();
