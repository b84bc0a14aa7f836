/**
 * Arbor against BullMQ on the agent pipeline (issue 20): workflows research → draft → review with
 * trivial handlers, so the infrastructure is what is measured. Each side runs in processes of its
 * own: a producer and one process per stage (`peer-bullmq-process.ts`, bundled like the runner so
 * Arbor runs compiled). Rows (`peer-bullmq-roles.ts`): how the Arbor stages are wired; the BullMQ
 * side is the same queue pipeline each time (a `FlowProducer` fan-out in the last row).
 *
 * A third side, the floor, is the same pipeline on bare rabbitmq-client (`peer-bullmq-floor.ts`:
 * the `direct` row's four processes, persistent messages, pipelined confirms, acks after confirms),
 * so each Arbor row's latency splits into the broker's floor and Arbor's overhead; its rows are
 * `-floor-*` (the floor against BullMQ) and `-vs-floor-*` (Arbor against the floor).
 *
 * Per row, every side's processes are started (then a warm-up batch each), and each round times
 * each side, rotating which side goes first: a batch of N workflows started at once (throughput:
 * N / time until the last completed) and M workflows one at a time (latency p50 / p99, from the
 * producer's start to the producer seeing the end). Figures are medians over the rounds (3; 1 in
 * quick mode). CPU is the user + system time of the side's four processes over the batch, per
 * workflow; RSS their resident memory summed after it. The brokers' own CPU over the batch (read
 * from /proc, when they run on this machine) is in the note: RabbitMQ and Redis are shared with
 * whatever else runs, so that figure is indicative only.
 *
 * Durability: Arbor's messages are persistent, published with confirms to durable queues and
 * acked once taken (placed children: the owner's window holds each until processed) or processed;
 * a killed stage process loses nothing (its unacked messages return to the broker, the owner's
 * window re-sends what the host took), and a RabbitMQ restart keeps what it confirmed. BullMQ
 * writes each job to Redis before `add` resolves; a killed worker's active jobs are retried once
 * their lock expires (stalled-job check, 30 s), but this Redis keeps nothing on disk: a Redis crash
 * loses every queued and active job. So on a broker crash Arbor loses nothing confirmed and
 * BullMQ everything in flight; on a worker crash neither loses work (both redeliver: at least once).
 *
 * Skipped with a notice when RabbitMQ or Redis is absent.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Topology } from '../src/transport/topology.js';
import { AMQP_URL, BENCH_DIR, brokerProblem, removeCluster } from './cluster.js';
import { bundleAsShipped } from './bundle.js';
import { floorQueues } from './peer-bullmq-floor.js';
import { median, percentile, type Result, type ScenarioOptions } from './harness.js';
import {
  NODE_OF,
  ROW_TITLES,
  ROWS,
  SIDES,
  STAGES,
  type Command,
  type ProcessConfig,
  type ProcessStats,
  type Reply,
  type Role,
  type Row,
  type Side,
} from './peer-bullmq-roles.js';

const REDIS = { host: process.env.REDIS_HOST || '127.0.0.1', port: Number(process.env.REDIS_PORT || 6379) };
const PROCESS_BUNDLE = join(BENCH_DIR, 'node_modules', '.cache', 'arbor-bench', 'peer-bullmq-process.mjs');
const COMMAND_TIMEOUT = 600_000;
const ROLES: readonly Role[] = [...STAGES, 'producer'];

/** A command without its sequence number (distributed over the union, so each keeps its fields). */
type Request = Command extends infer C ? (C extends Command ? Omit<C, 'seq'> : never) : never;

/** One process of a side, and the commands it answers. */
class Proc {
  private seq = 0;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stderr = '';
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;

  constructor(readonly config: ProcessConfig) {
    // PEER_BULLMQ_PROF=<dir>: every process writes a CPU profile there (named by side and role).
    const prof = process.env.PEER_BULLMQ_PROF;
    const execArgv = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=${config.side}-${config.row}-${config.role}.cpuprofile`] : [];
    this.child = fork(PROCESS_BUNDLE, [JSON.stringify(config)], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (m: Reply | { ready: true }) => {
        if ('ready' in m) return resolve();
        const p = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        if (m.ok) p?.resolve(m.value);
        else p?.reject(new Error(`${this.name}: ${m.error}`));
      });
      this.child.once('exit', (code) => {
        const error = new Error(`${this.name} exited (${String(code)}): ${this.stderr}`);
        reject(error);
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      });
    });
  }

  get name(): string {
    return `${this.config.side} ${this.config.role}`;
  }

  request<T>(command: Request): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: ${command.op} took over ${COMMAND_TIMEOUT} ms`)), COMMAND_TIMEOUT);
      this.pending.set(seq, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...command, seq });
    });
  }

  /** Waits up to `ms` for the process to exit by itself (it writes its CPU profile on the way out), then kills it. */
  async kill(ms = 0): Promise<void> {
    const running = () => this.child.exitCode === null && this.child.signalCode === null;
    for (let waited = 0; waited < ms && running(); waited += 50) await new Promise((r) => setTimeout(r, 50));
    if (running()) this.child.kill('SIGKILL');
  }
}

/** The four processes of one side of one row. */
class SideRun {
  readonly procs: Proc[] = [];
  constructor(readonly side: Side, readonly row: Row, readonly namespace: string) {}

  async start(): Promise<void> {
    const config = (role: Role): ProcessConfig => ({ side: this.side, role, row: this.row, namespace: this.namespace, amqpUrl: AMQP_URL, redis: REDIS });
    // Stages first: the producer places children on them.
    for (const role of ROLES) {
      const proc = new Proc(config(role));
      this.procs.push(proc);
      if (role === 'producer') await Promise.all(this.procs.map((p) => p.ready));
    }
    await Promise.all(this.procs.map((p) => p.request({ op: 'wire' })));
  }

  get producer(): Proc {
    return this.procs[this.procs.length - 1] as Proc;
  }

  /** Times a batch of `count`: ms, and CPU-ms and RSS of the four processes. */
  async batch(count: number): Promise<{ ms: number; cpuMs: number; rss: number; brokerCpuMs: number | undefined }> {
    await Promise.all(this.procs.map((p) => p.request({ op: 'mark' })));
    const broker0 = brokerCpuMs(this.side);
    const ms = await this.producer.request<number>({ op: 'batch', count });
    const broker1 = brokerCpuMs(this.side);
    const stats = await Promise.all(this.procs.map((p) => p.request<ProcessStats>({ op: 'stats' })));
    return {
      ms,
      cpuMs: stats.reduce((s, x) => s + x.cpuMs, 0),
      rss: stats.reduce((s, x) => s + x.rss, 0),
      brokerCpuMs: broker0 !== undefined && broker1 !== undefined ? broker1 - broker0 : undefined,
    };
  }

  /** Runs `count` workflows one at a time: each one's ms, and the CPU-ms of the four processes meanwhile. */
  async sequential(count: number): Promise<{ ms: number[]; cpuMs: number }> {
    await Promise.all(this.procs.map((p) => p.request({ op: 'mark' })));
    const ms = await this.producer.request<number[]>({ op: 'sequential', count });
    const stats = await Promise.all(this.procs.map((p) => p.request<ProcessStats>({ op: 'stats' })));
    return { ms, cpuMs: stats.reduce((sum, x) => sum + x.cpuMs, 0) };
  }

  async stop(): Promise<void> {
    // The producer first (it owns the placed children), then the stages.
    for (const p of [...this.procs].reverse()) await p.request({ op: 'stop' }).catch(() => undefined);
    await Promise.all(this.procs.map((p) => p.kill(10_000)));
  }
}

/** CPU-ms the broker process of `side` has used so far (RabbitMQ's `beam.smp`, `redis-server`), when it runs here. */
function brokerCpuMs(side: Side): number | undefined {
  const name = side === 'bullmq' ? 'redis-server' : 'beam.smp';
  let total: number | undefined;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (comm !== name) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks (100 Hz).
        total = (total ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      } catch {
        // the process went away while we looked
      }
    }
  } catch {
    return undefined;
  }
  return total;
}

async function redisProblem(): Promise<string | undefined> {
  const redis = new Redis({ ...REDIS, lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under a BullMQ prefix. */
async function removePrefix(prefix: string): Promise<void> {
  const redis = new Redis({ ...REDIS, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function bundleProcess(): Promise<void> {
  await bundleAsShipped(join(BENCH_DIR, 'peer-bullmq-process.ts'), PROCESS_BUNDLE, { sourcemap: 'linked' });
}

interface Round {
  ms: number;
  cpuMs: number;
  /** CPU-ms of the side's four processes over the one-at-a-time workflows. */
  seqCpuMs: number;
  rss: number;
  brokerCpuMs: number | undefined;
  p50: number;
  p99: number;
}

let runSeq = 0;

async function measureRow(row: Row, counts: { batch: number; sequential: number; rounds: number }): Promise<Result[]> {
  const tag = `${process.pid}-${++runSeq}`;
  const sides: Record<Side, SideRun> = {
    arbor: new SideRun('arbor', row, `bench-peer-${row}-${tag}`),
    bullmq: new SideRun('bullmq', row, `bench-peer-${row}-${tag}`),
    floor: new SideRun('floor', row, `bench-peer-${row}-${tag}`),
  };
  const rounds: Record<Side, Round[]> = { arbor: [], bullmq: [], floor: [] };
  try {
    for (const s of Object.values(sides)) await s.start();
    for (const s of Object.values(sides)) {
      await s.batch(Math.max(100, Math.round(counts.batch / 10)));
      await s.sequential(Math.max(20, Math.round(counts.sequential / 10)));
    }
    for (let r = 0; r < counts.rounds; r++) {
      // Each round starts with another side, so every side goes first, second and third once in three rounds.
      const order = SIDES.map((_, i) => SIDES[(i + r) % SIDES.length] as Side);
      for (const side of order) {
        const b = await sides[side].batch(counts.batch);
        const seq = await sides[side].sequential(counts.sequential);
        const lat = seq.ms.sort((x, y) => x - y);
        rounds[side].push({ ...b, seqCpuMs: seq.cpuMs, p50: percentile(lat, 50), p99: percentile(lat, 99) });
      }
    }
  } finally {
    for (const s of Object.values(sides)) await s.stop().catch(() => undefined);
    await removeCluster(sides.arbor.namespace, Object.values(NODE_OF), [...STAGES.map((s) => new Topology(sides.arbor.namespace).poolQueue(s)), ...floorQueues(sides.floor.namespace)]).catch(() => undefined);
    await removePrefix(sides.bullmq.namespace).catch(() => undefined);
  }
  const med = (side: Side, f: (r: Round) => number) => median(rounds[side].map(f));
  const a = { rate: counts.batch / (med('arbor', (r) => r.ms) / 1000), p50: med('arbor', (r) => r.p50), p99: med('arbor', (r) => r.p99) };
  const b = { rate: counts.batch / (med('bullmq', (r) => r.ms) / 1000), p50: med('bullmq', (r) => r.p50), p99: med('bullmq', (r) => r.p99) };
  const f = { rate: counts.batch / (med('floor', (r) => r.ms) / 1000), p50: med('floor', (r) => r.p50), p99: med('floor', (r) => r.p99) };
  const cpu = { arbor: med('arbor', (r) => r.cpuMs) / counts.batch, bullmq: med('bullmq', (r) => r.cpuMs) / counts.batch };
  // CPU-µs per workflow one at a time, all four processes: on a machine with fewer cores than busy processes it is latency too.
  const seqCpu = (side: Side) => ((med(side, (r) => r.seqCpuMs) / counts.sequential) * 1000).toFixed(0);
  const rss = { arbor: med('arbor', (r) => r.rss) / 2 ** 20, bullmq: med('bullmq', (r) => r.rss) / 2 ** 20 };
  const broker = (side: Side) => {
    const xs = rounds[side].map((r) => r.brokerCpuMs).filter((x): x is number => x !== undefined);
    return xs.length > 0 ? `${(median(xs) / counts.batch).toFixed(3)}` : '?';
  };
  const spread = (side: Side) => {
    const xs = rounds[side].map((r) => r.ms);
    return (Math.max(...xs) / Math.min(...xs)).toFixed(2);
  };
  const id = `peer-bullmq-${row}`;
  const baselineName = row === 'fanout' ? 'BullMQ FlowProducer (4 children)' : `BullMQ 3 queues, concurrency 50`;
  return [
    {
      id: `${id}-throughput`,
      unit: 'workflows/s',
      arbor: a.rate,
      baseline: b.rate,
      baselineName,
      ratio: a.rate / b.rate,
      target: 1.5,
      note: `${ROW_TITLES[row]}; n=${counts.batch}×${counts.rounds}, spread ${spread('arbor')}×/${spread('bullmq')}×`,
    },
    {
      id: `${id}-p50`,
      unit: 'ms',
      arbor: a.p50,
      baseline: b.p50,
      baselineName,
      ratio: b.p50 / a.p50,
      target: 1.0,
      note: `one workflow at a time, n=${counts.sequential}; CPU-µs/workflow meanwhile (4 processes) Arbor ${seqCpu('arbor')}, BullMQ ${seqCpu('bullmq')}, floor ${seqCpu('floor')}`,
    },
    { id: `${id}-p99`, unit: 'ms', arbor: a.p99, baseline: b.p99, baselineName, ratio: b.p99 / a.p99, target: 1.0 },
    {
      id: `${id}-cpu`,
      unit: 'CPU-µs/workflow',
      arbor: cpu.arbor * 1000,
      baseline: cpu.bullmq * 1000,
      baselineName,
      ratio: cpu.bullmq / cpu.arbor,
      note: `4 processes per side; broker CPU-ms/workflow RabbitMQ ${broker('arbor')} / Redis ${broker('bullmq')} (shared brokers)`,
    },
    { id: `${id}-rss`, unit: 'MB', arbor: rss.arbor, baseline: rss.bullmq, baselineName, ratio: rss.bullmq / rss.arbor, note: 'RSS of the 4 processes after the batch' },
    ...floorRows(id, { arbor: a, bullmq: b, floor: f }, baselineName, `spread ${spread('floor')}×, CPU ${(med('floor', (r) => r.cpuMs) / counts.batch * 1000).toFixed(0)} µs/workflow`),
  ];
}

/** A side's medians: workflows/s, and latency p50 / p99 in ms. */
interface Figures {
  rate: number;
  p50: number;
  p99: number;
}

/**
 * The rows of the floor (bare rabbitmq-client, `./peer-bullmq-floor.ts`): where it stands against
 * BullMQ (`-floor-*`: the `arbor` column holds the floor's figure, so the ratio is the best any
 * runtime over this broker pipeline could show), and Arbor against it (`-vs-floor-*`: what Arbor
 * adds over the broker's own cost).
 */
function floorRows(id: string, sides: Record<Side, Figures>, bullName: string, note: string): Result[] {
  const { arbor: a, bullmq: b, floor: f } = sides;
  const floorName = 'bare rabbitmq-client pipeline (4 processes)';
  return [
    { id: `${id}-floor-throughput`, unit: 'workflows/s', arbor: f.rate, baseline: b.rate, baselineName: bullName, ratio: f.rate / b.rate, note: `the floor (${floorName}) vs BullMQ; ${note}` },
    { id: `${id}-floor-p50`, unit: 'ms', arbor: f.p50, baseline: b.p50, baselineName: bullName, ratio: b.p50 / f.p50, note: 'the floor vs BullMQ' },
    { id: `${id}-floor-p99`, unit: 'ms', arbor: f.p99, baseline: b.p99, baselineName: bullName, ratio: b.p99 / f.p99, note: 'the floor vs BullMQ' },
    { id: `${id}-vs-floor-throughput`, unit: 'workflows/s', arbor: a.rate, baseline: f.rate, baselineName: floorName, ratio: a.rate / f.rate },
    { id: `${id}-vs-floor-p50`, unit: 'ms', arbor: a.p50, baseline: f.p50, baselineName: floorName, ratio: f.p50 / a.p50, note: `Arbor adds ${(a.p50 - f.p50).toFixed(3)} ms to the floor` },
    { id: `${id}-vs-floor-p99`, unit: 'ms', arbor: a.p99, baseline: f.p99, baselineName: floorName, ratio: f.p99 / a.p99 },
  ];
}

export async function peerBullmq({ quick }: ScenarioOptions): Promise<Result[]> {
  const problem = (await brokerProblem()) ?? (await redisProblem());
  if (problem) {
    process.stderr.write(`(peer-bullmq needs RabbitMQ at AMQP_URL and Redis at ${REDIS.host}:${REDIS.port}: ${problem}) `);
    const ids = ROWS.flatMap((row) => ['throughput', 'p50', 'p99', 'cpu', 'rss', ...['throughput', 'p50', 'p99'].flatMap((m) => [`floor-${m}`, `vs-floor-${m}`])].map((m) => `peer-bullmq-${row}-${m}`));
    return ids.map((id) => ({ id, unit: '-', arbor: NaN, baseline: NaN, baselineName: '-', ratio: NaN, skipped: 'skipped (no broker or Redis)' }));
  }
  await bundleProcess();
  const only = process.env.PEER_BULLMQ_ROWS?.split(',').filter((r): r is Row => (ROWS as readonly string[]).includes(r));
  // PEER_BULLMQ_COUNTS=<batch>,<sequential>,<rounds>: other sizes than the mode's (a warm run of a few rows while working on them).
  const asked = process.env.PEER_BULLMQ_COUNTS?.split(',').map(Number);
  const counts = asked?.length === 3 && asked.every((n) => Number.isInteger(n) && n > 0)
    ? { batch: asked[0]!, sequential: asked[1]!, rounds: asked[2]! }
    : quick ? { batch: 2_000, sequential: 100, rounds: 1 } : { batch: 20_000, sequential: 500, rounds: 3 };
  const results: Result[] = [];
  for (const row of only && only.length > 0 ? only : ROWS) results.push(...(await measureRow(row, counts)));
  return results;
}
