/**
 * `runDemo`: one run of the demo, in this process or across node processes over RabbitMQ, and its
 * summary. Tests call it directly; `examples/main.ts` adds argument parsing and printing.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { setup } from 'xstate';
import { createSystem, fileJournal, isGap, localStore, rabbitmqTransport, readJournal, type StateStore, type System, type SystemOptions } from '../../src/index.js';
import { tokenAccounts } from './agents.js';
import { Board, relative, stateInspector, type StateUpdate } from './board.js';
import { removeCluster, startHost, stopHost, type HostProcess } from './cluster.js';
import { writeDiagrams } from './diagrams.js';
import { hostOf, killWhenCommitted, ledgerEnv, readLedger, type KillReport } from './kill-node.js';
import { makePlan } from './plan.js';
import type { PlannerRefs, WorkflowOutput } from './planner.js';
import { buildSummary, formatSummary, type DemoSummary } from './summary.js';
import { demoTree } from './tree.js';
import { readSpans, traceToFile, waterfall } from './trace.js';
import { startView, type ViewMode } from './view.js';

export interface DemoOptions {
  /** @default 42 */
  seed?: number;
  /** Where diagrams, journals and logs go. @default 'out/demo' */
  out?: string;
  /** A RabbitMQ URL: run across `nodes` processes. */
  broker?: string;
  /** Nodes in all, the owner included (with `broker`). @default 3 */
  nodes?: number;
  /** Latency multiplier. @default 1 */
  speed?: number;
  /** Publish attempts that fail (the saga compensates each); 2 or more and the workflow ends `compensated`. @default 1 */
  publishFailures?: number;
  /** @default 'quiet' */
  view?: ViewMode;
  /** Where the view and the summary go. @default process.stdout */
  stdout?: Writable & { columns?: number };
  /** @default false */
  color?: boolean;
  /** The whole run's bound, ms. @default 60000 */
  timeout?: number;
  /**
   * Serve the inspector on `port` while the demo runs; `hold` (if given) is awaited after the
   * workflow ends, before the system shuts down, so the page stays up for a look.
   */
  inspect?: { port: number; hold?: (url: string) => Promise<void> };
  /** Record OpenTelemetry spans to `spans-<node>.jsonl` in `out` and add the workflow's waterfall to the summary. @default false */
  trace?: boolean;
  /** With `broker` and 3 nodes or more: SIGKILL the publisher's node mid-saga (see `kill-node.ts`). @default false */
  killNode?: boolean;
}

const OWNER = 'owner';

/** Carries agent state changes that other nodes publish into the board. */
const monitor = setup({ types: { input: {} as { board: Board }, context: {} as { board: Board }, events: {} as { type: 'demo.agent.state' } & StateUpdate } }).createMachine({
  id: 'monitor',
  context: ({ input }) => input,
  on: { 'demo.agent.state': { actions: ({ context, event }) => context.board.apply(event) } },
});

async function clean(out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  for (const f of await readdir(out)) if (/^(journal-.*\.jsonl|spans-.*\.jsonl|arbor-.*\.log|state\.db.*|saga-ledger\.txt)$/.test(f)) await rm(join(out, f));
}

async function journalTypes(out: string): Promise<string[]> {
  const types: string[] = [];
  for (const f of (await readdir(out)).filter((n) => /^journal-.*\.jsonl$/.test(n)).sort()) {
    for await (const r of readJournal(join(out, f))) if (!isGap(r) && !r.event.type.startsWith('demo.')) types.push(r.event.type);
  }
  return types;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const seed = options.seed ?? 42;
  const out = options.out ?? 'out/demo';
  const nodeCount = options.broker ? (options.nodes ?? 3) : 1;
  const stdout = options.stdout ?? process.stdout;
  const color = options.color ?? false;
  await clean(out);

  const plan = makePlan(seed, options.speed ?? 1, options.publishFailures ?? 1);
  const accounts = tokenAccounts();
  const board = new Board(new Set([...plan.topics.map((t) => `root/research/${t}`), ...['treasury', 'writer', 'reviewer', 'publisher', 'planner'].map((id) => `root/${id}`)]));
  const logger = pino({ level: 'info', base: { node: OWNER } }, pino.destination({ dest: join(out, `arbor-${OWNER}.log`), sync: true }));
  const cluster = `demo-${process.pid}-${Date.now().toString(36)}`;
  const hostNames = Array.from({ length: nodeCount - 1 }, (_, i) => `node-${i + 1}`);
  const hosts: HostProcess[] = [];
  let system: System | undefined;
  const crashes: DemoSummary['crashes'] = [];
  const started = performance.now();
  let view: { stop(): void } | undefined;
  let brokerUsed = false;
  const killNode = options.killNode === true && options.broker !== undefined && nodeCount >= 3;
  const storeFile = join(out, 'state.db');
  const ledger = join(out, 'saga-ledger.txt');
  const store: StateStore | undefined = killNode ? localStore(storeFile) : undefined;
  let killer: ReturnType<typeof killWhenCommitted> | undefined;
  let kill: KillReport | undefined;
  // Registered before the system is created: a system checks for a tracer provider once.
  if (options.trace) traceToFile(join(out, `spans-${OWNER}.jsonl`));
  try {
    const systemOptions: SystemOptions = {
      node: OWNER,
      logger,
      journal: fileJournal(join(out, `journal-${OWNER}.jsonl`)),
      inspect: stateInspector(OWNER, (u) => board.apply(u)),
      ...(options.inspect ? { inspector: { port: options.inspect.port } } : {}),
      ...(store ? { store } : {}),
    };
    const heartbeat = 250;
    // The owner connects first: a bad URL (INVALID_SPEC) or an unusable broker (TRANSPORT_ERROR)
    // fails here, in this process, with its cause, before any host process is started.
    if (options.broker) systemOptions.transport = rabbitmqTransport({ url: options.broker, cluster, heartbeat });
    const sys = (system = await createSystem(systemOptions));
    if (options.broker) {
      brokerUsed = true;
      for (const name of hostNames) hosts.push(await startHost(name, { url: options.broker, cluster, out, heartbeat, trace: options.trace === true, ...(killNode ? { store: storeFile, env: ledgerEnv(ledger, name) } : {}) }));
      await withTimeout(waitForNodes(sys, hostNames), 20_000, 'discovering the host nodes');
      await sys.subscribe('demo.agent.state', sys.spawn(monitor, { id: 'monitor', input: { board } })).ready;
    }
    sys.on('report', (r) => {
      board.report(r);
      if (r.kind === 'child_exited' && r.reason !== 'normal') crashes.push({ agent: `${relative(r.supervisor)}/${r.child}`, reason: r.reason instanceof Error ? r.reason.message : String(r.reason) });
    });

    const at = (path: string) => sys.lookup(`root/${path}`)!;
    const refs = (): PlannerRefs => ({
      treasury: at('treasury'),
      researchers: plan.topics.map((t) => at(`research/${t}`)),
      writer: at('writer'),
      reviewer: at('reviewer'),
      publisher: at('publisher'),
    });
    const { spec, layout } = demoTree({ plan, accounts, planner: { refs, requester: sys, distributed: options.broker !== undefined }, ...(options.broker ? { hosts: hostNames } : {}), durablePublisher: killNode });
    const mode = options.broker ? `${nodeCount} nodes over RabbitMQ (${[OWNER, ...hostNames].join(', ')})` : 'one node, embedded transport';
    const inspectorUrl = sys.inspectorUrl;
    if (inspectorUrl !== undefined && options.view !== undefined && options.view !== 'quiet') stdout.write(`Inspector: ${inspectorUrl}\n`);
    const title = `Arbor demo · seed ${seed} · ${mode}${inspectorUrl !== undefined ? ` · inspector ${inspectorUrl}` : ''}`;
    view = startView({ mode: options.view ?? 'quiet', out: stdout, color, title, showNodes: options.broker !== undefined, board, layout, accounts });

    const root = sys.spawn(spec, { id: 'root' });
    if (store) killer = killWhenCommitted(sys, store, hosts);
    const result = (await withTimeout(root.result(), options.timeout ?? 60_000, 'the workflow')) as { planner: WorkflowOutput };
    if (killer) {
      const resumedOn = hostOf(sys);
      killer.stop();
      const killed = await killer.done;
      if (killed) kill = { ...killed, resumedOn, ledger: readLedger(ledger) };
    }
    view.stop();
    view = undefined;
    const files = await writeDiagrams(out, spec);
    if (inspectorUrl !== undefined && options.inspect?.hold) await options.inspect.hold(inspectorUrl);
    await sys.shutdown();
    system = undefined;
    await Promise.all(hosts.splice(0).map((h) => stopHost(h)));
    // Besides the diagrams: each node's journal and pino log (written as the nodes ran).
    files.push(...(await readdir(out)).filter((n) => /^(journal-.*\.jsonl|arbor-.*\.log)$/.test(n)).sort());
    const summary = buildSummary({
      seed,
      nodes: [OWNER, ...hostNames],
      workflow: result.planner,
      accounts,
      restarts: board.restarts,
      crashes,
      eventTypes: await journalTypes(out),
      out,
      files,
      durationMs: performance.now() - started,
    });
    if (options.trace) summary.trace = waterfall(readSpans(out), summary.correlationId);
    if (kill) summary.kill = kill;
    if (options.view !== undefined && options.view !== 'quiet') stdout.write(formatSummary(summary, color) + '\n');
    return summary;
  } finally {
    killer?.stop();
    view?.stop();
    await system?.shutdown().catch(() => undefined);
    await store?.close().catch(() => undefined);
    if (options.trace) trace.disable();
    await Promise.all(hosts.map((h) => stopHost(h)));
    if (options.broker && brokerUsed) await removeCluster(options.broker, cluster, [OWNER, ...hostNames]).catch((err: unknown) => logger.warn({ err }, 'broker cleanup failed'));
    logger.flush();
  }
}

async function waitForNodes(system: System, names: string[]): Promise<void> {
  while (!names.every((n) => system.nodes().some((i) => i.node === n))) await new Promise((r) => setTimeout(r, 25));
}
