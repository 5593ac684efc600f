// npm run bench:dispatch — the master's own dispatch capacity and added latency.
//
// Synthetic workers (real WebSocket protocol, no inference) answer every job at
// once, so what is measured is the master: store transitions, leasing, pushing,
// fencing. Jobs enter through the same submit path as POST /api/jobs, minus
// HTTP parsing. Latency is open loop: measured from each job's *intended*
// submission time, so a stalled master cannot hide its backlog. With --peer
// bullmq, BullMQ runs the capacity run's job count on the same Redis too.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { Redis } from 'ioredis';
import { makeConfig } from '../master/config.ts';
import { startMaster, type Master } from '../master/server.ts';
import { distribution } from '../common/percentiles.ts';
import { runBullmqPeer, bullmqVersion } from './bullmq-peer.ts';
import { SyntheticWorker } from './synthetic-worker.ts';
import { positiveInteger, positiveIntegerList, positiveNumber, wholeNumber } from './option-parsers.ts';
import { newJob } from './uploaded-files.ts';

// A 1×1 PNG: dispatch cost, not image transfer, is what this measures.
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
/**
 * Each submission brings its image as a file of its own, as an upload does. They are written before the clock starts:
 * writing upload files is the HTTP layer's work (multer's), left out with the rest of it, and a synchronous write
 * here would stall the master, which shares this process (a fresh file took 20-300 µs on this machine's disk).
 */
const jobs = (count: number) => Array.from({ length: count }, () => newJob('tiny.png', 'image/png', TINY_PNG));

const program = new Command('bench:dispatch')
  .addOption(new Option('--store <kind>', 'job store: sqlite (embedded) or redis').choices(['sqlite', 'redis']).default('sqlite'))
  .option(
    '--redis-url <url>',
    'Redis for --store redis (keys under the prefix "bench:" are cleared; --peer bullmq\'s are deleted after)',
    'redis://127.0.0.1:6379/0',
  )
  .option('--workers <n>', 'synthetic workers', positiveInteger, 4)
  .option('--credit <n>', 'credit per worker', positiveInteger, 32)
  .option('--capacity-jobs <n>', 'jobs for the capacity run', positiveInteger, 20_000)
  .option('--warm-up-jobs <n>', 'jobs run first and not counted, by ours and by --peer alike (JIT, caches), as the latency runs warm up', wholeNumber, 2000)
  .option('--rates <list>', 'offered rates for the latency runs, jobs/s', positiveIntegerList, [500, 1000, 2000])
  .option('--seconds <n>', 'length of each latency run', positiveNumber, 5)
  .addOption(
    new Option('--peer <name>', "also run a peer queue on the same Redis with the capacity run's job count: bullmq (needs --store redis)").choices(['bullmq']),
  )
  .option('--peer-concurrency <n>', "the peer worker's concurrency", positiveInteger, 128)
  .parse();
const opts = program.opts<{
  store: string;
  redisUrl: string;
  workers: number;
  credit: number;
  capacityJobs: number;
  warmUpJobs: number;
  rates: number[];
  seconds: number;
  peer?: string;
  peerConcurrency: number;
}>();

async function withMaster<T>(run: (master: Master) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dispatch-'));
  const redis = opts.store === 'redis' ? { redisUrl: opts.redisUrl, redisPrefix: 'bench:' } : {};
  // The workers are the operator's fleet (trusted): one answer finishes a job, so what is measured is dispatch, not verification.
  const fleetToken = randomBytes(24).toString('base64url');
  // A few synthetic workers answer thousands of jobs a second each, far more than a page: no rate limit for them.
  const maxWorkerMessagesPerSecond = 1e9;
  const maxWorkerBytesPerSecond = 1e12;
  const master = await startMaster(
    makeConfig({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      logLevel: 'warn',
      heartbeatMs: 60_000,
      fleetToken,
      maxWorkerMessagesPerSecond,
      maxWorkerBytesPerSecond,
      ...redis,
    }),
  );
  await master.store.clear();
  const workers = await Promise.all(
    Array.from({ length: opts.workers }, (_, i) =>
      SyntheticWorker.connect({
        masterUrl: master.url,
        name: `bench-${i}`,
        credit: opts.credit,
        hello: { fleetToken },
        onJob: (j, w) => w.succeed(j.header),
      }),
    ),
  );
  try {
    return await run(master);
  } finally {
    for (const worker of workers) worker.terminate();
    await master.store.clear();
    await master.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Resolves with the time each job was accepted as done, until `count` are done. */
function completions(master: Master, count: number): { doneAt: Map<string, number>; all: Promise<void> } {
  const doneAt = new Map<string, number>();
  const all = new Promise<void>((resolve) => {
    if (count === 0) return resolve(); // no event would ever come
    const unsubscribe = master.events.subscribe((event) => {
      if (event.type !== 'job' || event.job.status !== 'done') return;
      doneAt.set(event.job.id, performance.now());
      if (doneAt.size === count) {
        unsubscribe();
        resolve();
      }
    });
  });
  return { doneAt, all };
}

/** Submits `total` jobs in chunks of 500 and resolves with the jobs/s from the first submission to the last result. */
async function submitAll(master: Master, total: number): Promise<number> {
  const waiting = jobs(total);
  const { all } = completions(master, total);
  const started = performance.now();
  for (let sent = 0; sent < total; sent += 500) await master.lifecycle.submit(waiting.slice(sent, sent + 500));
  await all;
  return total / ((performance.now() - started) / 1000);
}

/** Seconds of CPU the Redis server has used so far (INFO cpu: user + system, its main thread and the rest). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** The capacity run's rate, and the CPU it took per job: this process's (master and synthetic workers) and, on Redis, the server's. */
async function capacity(total: number, warmUp: number): Promise<{ jobsPerSecond: number; processUs: number; redisUs: number | null }> {
  const redis = opts.store === 'redis' ? new Redis(opts.redisUrl) : null;
  try {
    return await withMaster(async (master) => {
      if (warmUp > 0) await submitAll(master, warmUp);
      const redisBefore = redis ? await redisCpuSeconds(redis) : 0;
      const processBefore = process.cpuUsage();
      const jobsPerSecond = await submitAll(master, total);
      const { user, system } = process.cpuUsage(processBefore);
      const redisUs = redis ? (((await redisCpuSeconds(redis)) - redisBefore) * 1e6) / total : null;
      return { jobsPerSecond, processUs: (user + system) / total, redisUs };
    });
  } finally {
    redis?.disconnect();
  }
}

/** Offers `rate` jobs/s for 1 s of warm-up (not counted: JIT, caches) and then `seconds` more. */
async function latencyAt(rate: number, seconds: number) {
  return withMaster(async (master) => {
    const warmup = rate;
    const total = warmup + Math.round(rate * seconds);
    const intended = new Map<string, number>();
    const { doneAt, all } = completions(master, total);
    const submitted: Promise<void>[] = [];
    const waiting = jobs(total);
    const start = performance.now() + 50;
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      // Open loop: the next submission does not wait for this one to be acknowledged.
      const measured = i >= warmup;
      submitted.push(master.lifecycle.submit([waiting[i]!]).then((created) => void (measured && intended.set(created.jobs[0]!.id, due))));
    }
    await Promise.all(submitted);
    await all;
    const { user, system } = process.cpuUsage(cpuBefore);
    const latencies = [...intended].map(([id, due]) => doneAt.get(id)! - due);
    return { ...distribution(latencies), processUs: (user + system) / total };
  });
}

// BullMQ lives on Redis: against the embedded store the two figures would differ by more than the dispatch.
if (opts.peer === 'bullmq' && opts.store !== 'redis') program.error('bench:dispatch: --peer bullmq needs --store redis (both are measured on the same Redis)');
console.log(
  `dispatch benchmark: store=${opts.store === 'redis' ? `redis (${opts.redisUrl})` : 'sqlite (embedded)'}, ${opts.workers} synthetic workers × credit ${opts.credit}, ${os.cpus().length} cores, node ${process.version}`,
);
const warmUpJobs = opts.warmUpJobs;
const { jobsPerSecond, processUs, redisUs } = await capacity(opts.capacityJobs, warmUpJobs);
console.log(
  `capacity: ${Math.round(jobsPerSecond)} jobs/s (${opts.capacityJobs} jobs submitted at once, submit → result accepted, after ${warmUpJobs} not counted)`,
);
console.log(
  `CPU per job in that run: this process (master and synthetic workers) ${Math.round(processUs)} µs${redisUs === null ? '' : `, the Redis server ${Math.round(redisUs)} µs`}`,
);
if (opts.peer === 'bullmq') {
  // A prefix apart from ours ("bench:"), unique to this run; its keys are deleted after.
  const prefix = `bench-bullmq-${randomBytes(6).toString('hex')}`;
  const concurrency = opts.peerConcurrency;
  if (warmUpJobs > 0) await runBullmqPeer({ redisUrl: opts.redisUrl, prefix, jobs: warmUpJobs, concurrency });
  const peer = await runBullmqPeer({ redisUrl: opts.redisUrl, prefix, jobs: opts.capacityJobs, concurrency });
  console.log(`side by side, ${opts.capacityJobs} jobs each after ${warmUpJobs} not counted, same Redis:`);
  console.log('what | jobs/s');
  console.log(`ours (submit with its image file, Lua create + lease, push over WebSocket, fenced result) | ${Math.round(jobsPerSecond)}`);
  console.log(
    `BullMQ ${bullmqVersion()} (addBulk of 1,000, no-op processor, in Redis only, concurrency ${concurrency}, removeOnComplete) | ${Math.round(peer.jobsPerSecond)}`,
  );
  console.log(`ours / BullMQ | ${(jobsPerSecond / peer.jobsPerSecond).toFixed(2)}`);
}
console.log(
  'offered rate | jobs measured | added latency p50 | p90 | p99 | max (ms, from intended submit time, after 1 s warm-up) | CPU per job, this process (µs, warm-up included)',
);
for (const rate of opts.rates) {
  const d = await latencyAt(rate, opts.seconds);
  console.log(
    `${rate} jobs/s | ${d.count} | ${d.p50.toFixed(2)} | ${d.p90.toFixed(2)} | ${d.p99.toFixed(2)} | ${d.max.toFixed(2)} | ${Math.round(d.processUs)}`,
  );
}
