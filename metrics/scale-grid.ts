// The masters, socket-holding clients and store of one bench:scale phase, and
// the ways the bench offers them work: all at once (capacity) or at a rate,
// open loop (latency). Open loop: each job's latency counts from when it was
// due to be submitted, so a master that falls behind cannot hide its backlog.
import { distribution } from '../common/percentiles.ts';
import type { RedisJobStore } from '../master/store/redis-job-store.ts';
import type { RedisTarget } from '../master/store/redis/redis-connection.ts';
import { cpuSeconds, type ClientsChild, type MasterChild } from './scale-children.ts';
import type { TransitionLog } from './scale-log.ts';
import { epochNow, type ClientCounts } from './scale-messages.ts';
import { finished, maxOf, split, type Finished } from './scale-stats.ts';

export interface Grid {
  masters: MasterChild[];
  /** Masters still taking submissions (not killed). */
  live: MasterChild[];
  clients: ClientsChild[];
  log: TransitionLog;
  /** The bench's own view of the store, to check what the masters say. */
  reader: RedisJobStore;
  target: RedisTarget;
  prefix: string;
  /** Pids of the Redis server processes behind the store. */
  redisPids: number[];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let lastSeq = 0;
/** Open-loop submissions are numbered across the whole bench. */
const nextSeq = () => ++lastSeq;

/** CPU used by each process from now until the returned function is called, as % of one core. */
export function cpuWindow(pids: readonly number[]): () => number[] {
  const start = performance.now();
  const before = pids.map((pid) => cpuSeconds(pid));
  return () => {
    const seconds = (performance.now() - start) / 1000;
    return pids.map((pid, i) => {
      const now = cpuSeconds(pid);
      const then = before[i];
      return now === null || then === null || then === undefined ? Number.NaN : (100 * (now - then)) / seconds;
    });
  };
}

export interface CpuShares {
  /** % of one core, per master. */
  masters: number[];
  /** % of one core, all socket-holding client processes together. */
  clients: number;
  /** % of one core, the Redis server processes together. */
  redis: number;
}

/** The CPU of masters, clients and Redis over a stretch of the run. */
export function gridCpu(grid: Grid): () => CpuShares {
  const masters = cpuWindow(grid.masters.map((m) => m.pid));
  const clients = cpuWindow(grid.clients.map((c) => c.pid));
  const redis = cpuWindow(grid.redisPids);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return () => ({ masters: masters(), clients: sum(clients()), redis: sum(redis()) });
}

/** Every client process's counts, joined in one list of workers. */
export async function workerCounts(grid: Grid): Promise<ClientCounts> {
  const all = await Promise.all(grid.clients.filter((c) => c.alive).map((c) => c.counts()));
  return {
    masterOf: all.flatMap((c) => c.masterOf),
    received: all.flatMap((c) => c.received),
    answered: all.flatMap((c) => c.answered),
    open: all.reduce((n, c) => n + c.open, 0),
    closes: all.flatMap((c) => c.closes),
  };
}

/** Jobs each connected worker received between two counts. */
export function receivedBetween(before: ClientCounts, after: ClientCounts): number[] {
  return after.received.map((n, i) => n - (before.received[i] ?? 0)).filter((_, i) => after.masterOf[i]! >= 0);
}

export interface CapacityRun extends Finished {
  /** Submissions refused (e.g. queue full): none is expected. */
  refused: string[];
  seconds: number;
  jobsPerSecond: number;
  cpu: CpuShares;
}

/** Submits `jobs` at once, spread over the live masters (500 per create), and times them until the last is done. */
export async function capacity(grid: Grid, jobs: number, timeoutMs: number): Promise<CapacityRun> {
  const cpu = gridCpu(grid);
  const started = epochNow();
  const shares = split(jobs, grid.live.length);
  const submitted = await Promise.all(grid.live.map((master, i) => master.submitBulk(shares[i]!, 500, timeoutMs)));
  const ids = submitted.flatMap((s) => s.jobIds);
  // Jobs still not done after the timeout count as `missing` (finished() below): the goals judge them.
  await grid.log.untilCompleted(ids, timeoutMs);
  const ends = ids.map((id) => grid.log.completedAt(id)).filter((t) => t !== undefined);
  // No job done at all (a stalled grid) reads as no rate, not as a negative one.
  const seconds = ((maxOf(ends) ?? Number.NaN) - started) / 1000;
  return {
    ...finished(ids, (id) => grid.log.completions(id)),
    refused: submitted.flatMap((s) => s.errors),
    seconds,
    jobsPerSecond: ends.length / seconds,
    cpu: cpu(),
  };
}

export interface Submission {
  seq: number;
  /** When it was due (epoch ms): latency counts from here. */
  due: number;
  master: MasterChild;
}

/**
 * Offers `rate` jobs/s for `seconds` to the live masters in turn (those live when each is due), each job its own
 * create, never waiting for an answer.
 */
export async function openLoop(grid: Grid, rate: number, seconds: number): Promise<Submission[]> {
  const total = Math.round(rate * seconds);
  const start = epochNow() + 50;
  const sent: Submission[] = [];
  let turn = 0;
  while (sent.length < total) {
    const now = epochNow();
    const batches = new Map<MasterChild, number[]>();
    while (sent.length < total && start + (sent.length * 1000) / rate <= now) {
      const master = grid.live[turn++ % grid.live.length]!;
      const submission = { seq: nextSeq(), due: start + (sent.length * 1000) / rate, master };
      sent.push(submission);
      batches.set(master, [...(batches.get(master) ?? []), submission.seq]);
    }
    for (const [master, seqs] of batches) master.submit(seqs);
    const nextDue = start + (sent.length * 1000) / rate;
    await sleep(Math.max(1, nextDue - epochNow()));
  }
  return sent;
}

export interface LatencyRun extends Finished {
  offeredRate: number;
  /** Submissions made, including the warm-up second. */
  submitted: number;
  acked: number;
  refused: number;
  /** Submissions neither acknowledged nor refused within the timeout. */
  unanswered: number;
  /** Submissions after the warm-up: the ones the latency figures are over. */
  measured: number;
  /** Of them, those never done: refused, unanswered or lost. They have no latency, so the figures below leave them out. */
  measuredNotDone: number;
  /** Added latency, ms from when each measured job was due to when it was done; after the warm-up only. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  cpu: CpuShares;
}

/** Offers `rate` for 1 s of warm-up (not counted) and `seconds` more; waits for every acknowledged job. */
export async function latencyAt(grid: Grid, rate: number, seconds: number, timeoutMs: number): Promise<LatencyRun> {
  const cpu = gridCpu(grid);
  const warmup = Math.round(rate);
  const sent = await openLoop(grid, rate, 1 + seconds);
  // Those still unanswered after the timeout are counted (unanswered, measuredNotDone) for the goals to judge.
  await grid.log.untilAnswered(
    sent.map((s) => s.seq),
    timeoutMs,
  );
  const acked = sent.filter((s) => grid.log.acks.has(s.seq));
  const ids = acked.map((s) => grid.log.acks.get(s.seq)!);
  await grid.log.untilCompleted(ids, timeoutMs);
  const cpuShares = cpu();
  const latencies: number[] = [];
  const measured = sent.slice(warmup);
  for (const submission of measured) {
    const jobId = grid.log.acks.get(submission.seq);
    const doneAt = jobId === undefined ? undefined : grid.log.completedAt(jobId);
    if (doneAt !== undefined) latencies.push(doneAt - submission.due);
  }
  const d = distribution(latencies);
  const refused = sent.filter((s) => grid.log.refusals.has(s.seq)).length;
  return {
    ...finished(ids, (id) => grid.log.completions(id)),
    offeredRate: rate,
    submitted: sent.length,
    acked: acked.length,
    refused,
    unanswered: sent.length - acked.length - refused,
    measured: measured.length,
    measuredNotDone: measured.length - latencies.length,
    p50: d.p50,
    p90: d.p90,
    p99: d.p99,
    max: d.max,
    mean: d.mean,
    cpu: cpuShares,
  };
}
