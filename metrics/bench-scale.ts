// npm run bench:scale — many idle worker sockets over several masters, their
// aggregate dispatch on one Redis and on a Redis Cluster, and what a master
// killed with -9, and a cluster node killed and restarted, cost (issue 12).
//
// Every master is a child process of its own (scale-master.ts: its RSS and CPU
// are its own, it can be killed); the synthetic worker sockets (the real
// protocol, the operator's trusted fleet, answering at once) are held by a few
// client processes (scale-clients.ts). Per store: the masters start, are
// measured bare, get their sockets, are measured again and left idle through
// heartbeats; then capacity (jobs submitted at once, through each master's
// lifecycle, timed until the last is done), added latency at half that rate
// (open loop), fairness (Jain's index of jobs per worker); on the last store a
// master is killed, on the cluster a node holding queue partitions (by default
// not partition 0, whose node every submission needs for its counter).
// Everything is bounded by --max-seconds and torn down at the end, also on
// failure or Ctrl-C.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { RedisJobStore } from '../master/store/redis-job-store.ts';
import { MAX_PARTITIONS } from '../master/store/redis/partitions.ts';
import type { RedisTarget } from '../master/store/redis/redis-connection.ts';
import { integerFrom, nameList, nonNegativeNumber, positiveInteger, positiveNumber, wholeNumber } from './option-parsers.ts';
import { BenchCluster } from './scale-cluster.ts';
import { ClientsChild, MasterChild, openFileLimit } from './scale-children.ts';
import { capacity, gridCpu, latencyAt, receivedBetween, sleep, workerCounts, type CpuShares, type Grid } from './scale-grid.ts';
import { killMaster, killNode } from './scale-kills.ts';
import { TransitionLog } from './scale-log.ts';
import type { MasterMeasure } from './scale-messages.ts';
import { clearPrefix, jobsPerPartition, redisServerInfo } from './scale-redis.ts';
import { printReport, toCsv, type PhaseReport, type ScaleReport } from './scale-report.ts';
import { fairness, split } from './scale-stats.ts';

const STORES = ['redis', 'cluster'] as const;
type Store = (typeof STORES)[number];

// A typo (abc, 0, -1) is refused before anything starts: it used to become NaN or 0 and run nonsense or hang.
const program = new Command('bench:scale')
  .option('--sockets <n>', 'synthetic worker sockets, spread over the masters (at least one per master)', positiveInteger, 10_000)
  .option('--masters <n>', 'masters, each a process of its own', positiveInteger, 4)
  .option('--client-processes <n>', 'processes holding the sockets (each needs an open file per socket)', positiveInteger, 2)
  .option('--credit <n>', 'jobs each worker may hold at once', positiveInteger, 1)
  .option('--stores <list>', 'redis (one Redis) and/or cluster (a 3-node Redis Cluster started here), in that order', nameList(STORES), [...STORES])
  .option('--redis-url <url>', 'the one Redis', 'redis://127.0.0.1:6379/0')
  .option('--redis-prefix <p>', 'key prefix of every key the bench makes (deleted before and after)', 'bench-scale:')
  .option('--partitions <n>', 'QUEUE_PARTITIONS on the cluster store: a multiple of its 3 nodes, so each holds as many', integerFrom(1, MAX_PARTITIONS), 9)
  .option('--redis-partitions <n>', 'QUEUE_PARTITIONS on the one-Redis store (1: as the figures before partitions)', integerFrom(1, MAX_PARTITIONS), 1)
  .option('--cluster-port <n>', 'first port tried for the cluster nodes (each also needs port + 10000)', integerFrom(1024, 65_535 - 10_000), 7101)
  .option('--heartbeat-ms <n>', "masters' HEARTBEAT_MS", positiveInteger, 10_000)
  .option('--lease-ms <n>', "masters' LEASE_MS", positiveInteger, 5000)
  .option('--master-timeout-ms <n>', "masters' MASTER_TIMEOUT_MS: how soon the others requeue a killed master's leases", positiveInteger, 2000)
  .option('--idle-seconds <n>', 'idle time with every socket connected, for heartbeat cost and drops (first store only; 0: none)', nonNegativeNumber, 30)
  .option('--capacity-jobs <n>', 'jobs submitted at once for the capacity run', positiveInteger, 10_000)
  .option('--seconds <n>', 'length of the latency run at half the capacity, after 1 s of warm-up', positiveNumber, 5)
  .option('--no-kill', 'skip killing a master (on the last store)')
  .option('--kill-rate <n>', 'jobs/s offered around the master kill', positiveNumber, 500)
  .option('--kill-work-ms <n>', 'how long each worker takes per job around the master kill, so leases are held (0: answers at once)', wholeNumber, 200)
  .option('--no-node-kill', 'skip killing a cluster node')
  .option(
    '--kill-counter-node',
    'kill the node of partition 0 (the submission counter: every submission 503 while it is down) instead of one holding only other partitions',
  )
  .option('--node-down-seconds <n>', 'how long the cluster node stays dead', positiveNumber, 3)
  .option('--post-rate <n>', 'uploads/s through HTTP around the node kill', positiveNumber, 50)
  .option('--connect-concurrency <n>', 'handshakes in flight per client process', positiveInteger, 64)
  .option('--max-seconds <n>', 'the whole bench is stopped (and torn down) after this', positiveNumber, 300)
  .option('--json <file>', 'write the report as JSON')
  .option('--csv <file>', 'write the report as CSV (store, section, metric, value)')
  .parse();
const {
  stores,
  redisUrl,
  redisPrefix,
  clusterPort,
  kill: killsMaster,
  nodeKill: killsNode,
  killCounterNode,
  json,
  csv,
  ...n
} = program.opts<{
  sockets: number;
  masters: number;
  clientProcesses: number;
  credit: number;
  stores: Store[];
  redisUrl: string;
  redisPrefix: string;
  partitions: number;
  redisPartitions: number;
  clusterPort: number;
  heartbeatMs: number;
  leaseMs: number;
  masterTimeoutMs: number;
  idleSeconds: number;
  capacityJobs: number;
  seconds: number;
  kill: boolean;
  killRate: number;
  killWorkMs: number;
  nodeKill: boolean;
  killCounterNode?: boolean;
  nodeDownSeconds: number;
  postRate: number;
  connectConcurrency: number;
  maxSeconds: number;
  json?: string;
  csv?: string;
}>();
if (n.sockets < n.masters) program.error(`bench:scale: --sockets (${n.sockets}) must be at least --masters (${n.masters}): one socket per master`);

// Each socket is an open file in its client process and in its master: say so before starting, not halfway.
const fileLimit = openFileLimit();
const socketsPerMaster = Math.ceil(n.sockets / n.masters);
const socketsPerClient = Math.ceil(n.sockets / n.clientProcesses);
if (Math.max(socketsPerMaster, socketsPerClient) + 500 > fileLimit) {
  console.error(
    `bench:scale: ${Math.max(socketsPerMaster, socketsPerClient)} sockets in one process need more open files than ulimit -n (${fileLimit}) allows; ` +
      'raise it (ulimit -n 65536) or use more --masters / --client-processes',
  );
  process.exit(2);
}

// ---- teardown, whatever happens ----------------------------------------------------------------
const teardowns: (() => Promise<unknown>)[] = [];
async function tearDown(): Promise<void> {
  for (const step of teardowns.splice(0).reverse()) await step().catch((error: unknown) => console.error('bench:scale: teardown:', error));
}
async function abort(why: string): Promise<never> {
  console.error(`bench:scale: ${why}; tearing down`);
  await tearDown();
  process.exit(1);
}
const watchdog = setTimeout(() => void abort(`still running after --max-seconds ${n.maxSeconds}`), n.maxSeconds * 1000);
process.once('SIGINT', () => void abort('interrupted'));
process.once('SIGTERM', () => void abort('terminated'));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
teardowns.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
const fleetToken = randomBytes(24).toString('base64url');
const workerTokenSecret = randomBytes(32).toString('base64url');
const limits = {
  maxAttempts: 3,
  maxLeases: 10,
  failureQuorum: 2,
  maxPendingJobs: 100_000,
  idempotencyTtlMs: 3_600_000,
  leaseScanLimit: 1_000,
  maxVotersPerNetwork: 1,
  maxAnswersPerJob: 20,
  errorAttemptsShown: 10,
  reopenBatch: 500,
};

function masterSettings(target: RedisTarget, partitions: number, index: number) {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir: path.join(tmp, `master-${index}`),
    logLevel: 'error',
    heartbeatMs: n.heartbeatMs,
    leaseMs: n.leaseMs,
    masterTimeoutMs: n.masterTimeoutMs,
    fleetToken,
    workerTokenSecret,
    ...('url' in target ? { redisUrl: target.url } : { redisClusterNodes: target.clusterNodes.map(({ host, port }) => `${host}:${port}`).join(',') }),
    redisPrefix,
    queuePartitions: partitions,
    // Every socket and request comes from 127.0.0.1: the per-address caps an attacker meets would stop the bench.
    maxConnections: socketsPerMaster + 1000,
    maxConnectionsPerAddress: socketsPerMaster + 1000,
    apiRequestsPerWindow: 1_000_000_000,
    maxNewIdentitiesPerAddress: 1_000_000_000,
    maxUploadsInFlight: 1000,
    maxUploadsPerAddress: 1000,
    maxPendingJobs: Math.max(100_000, n.capacityJobs * 2),
  };
}

async function storePhase(store: 'redis' | 'cluster', first: boolean, last: boolean): Promise<PhaseReport> {
  const phaseTeardowns = teardowns.length;
  let cluster: BenchCluster | null = null;
  let target: RedisTarget;
  let redisPids: number[];
  if (store === 'cluster') {
    cluster = await BenchCluster.start(clusterPort);
    const started = cluster;
    teardowns.push(() => started.stop());
    target = { clusterNodes: cluster.addresses };
    redisPids = cluster.pids();
  } else {
    target = { url: redisUrl };
    redisPids = [(await redisServerInfo(redisUrl)).pid];
  }
  const partitions = store === 'cluster' ? n.partitions : n.redisPartitions;
  const where = 'url' in target ? target.url : target.clusterNodes.map(({ port }) => port).join(',');
  console.log(`\n== ${store === 'redis' ? 'one Redis' : '3-node Redis Cluster'} (${where}), ${partitions} queue partition(s), prefix ${redisPrefix}`);
  await clearPrefix(target, redisPrefix);
  teardowns.push(() => clearPrefix(target, redisPrefix));
  // The first to connect records the store's partition count: the masters must (and do) say the same.
  const reader = await RedisJobStore.connect({ target, keyPrefix: redisPrefix, partitions, limits });
  teardowns.push(() => reader.close());

  const log = new TransitionLog();
  const masters = await Promise.all(
    Array.from({ length: n.masters }, (_, i) => {
      fs.mkdirSync(path.join(tmp, `uploads-${store}-${i}`), { recursive: true });
      // The submitted images are files written first, as uploads are: in the bench's temp dir, deleted at the end.
      return MasterChild.start(masterSettings(target, partitions, i), { TMPDIR: path.join(tmp, `uploads-${store}-${i}`) }, (report) => log.add(report));
    }),
  );
  teardowns.push(() => Promise.all(masters.map((m) => m.kill())));
  const clients = Array.from({ length: n.clientProcesses }, () => ClientsChild.start());
  teardowns.push(() => Promise.all(clients.map((c) => c.kill())));
  const grid: Grid = { masters, live: [...masters], clients, log, reader, target, prefix: redisPrefix, redisPids };

  // Bare masters: memory once start-up's garbage is collected and returned (the second of two measures a second
  // apart: the first collection frees what start-up left), and what they burn idle with no socket.
  await Promise.all(masters.map((m) => m.measure()));
  const bareCpu = await cpuOver(grid, Math.min(5, Math.max(1, n.idleSeconds)));
  const bare = await Promise.all(masters.map((m) => m.measure()));

  const perMaster = split(n.sockets, n.masters);
  const perClient = perMaster.map((count) => split(count, n.clientProcesses));
  console.log(`connecting ${n.sockets} sockets: ${perMaster.join(' + ')} over ${n.masters} masters, from ${n.clientProcesses} client processes`);
  const connectStarted = performance.now();
  const connected = await Promise.all(
    clients.map((client, c) =>
      client.connect(
        masters.map((m, i) => ({ master: i, url: m.url, modelHash: m.modelHash, count: perClient[i]![c]! })),
        n.credit,
        fleetToken,
        n.connectConcurrency,
        n.maxSeconds * 1000,
      ),
    ),
  );
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  const failures = connected.flatMap((c) => c.failed);
  console.log(
    `connected ${connected.reduce((s, c) => s + c.connected, 0)} in ${connectSeconds.toFixed(1)} s${failures.length ? `, ${failures.length} failed: ${failures[0]}` : ''}`,
  );
  // Memory with the sockets is read once they have been idle a while (through the heartbeats on the first store).
  let idle: PhaseReport['idle'] = null;
  let loaded: MasterMeasure[];
  if (first && n.idleSeconds > 0) {
    console.log(`idle for ${n.idleSeconds} s with every socket open (heartbeat every ${n.heartbeatMs} ms)`);
    const closedBefore = (await workerCounts(grid)).closes.length;
    const cpu = await cpuOver(grid, n.idleSeconds);
    const counts = await workerCounts(grid);
    loaded = await Promise.all(masters.map((m) => m.measure()));
    idle = {
      seconds: n.idleSeconds,
      heartbeatMs: n.heartbeatMs,
      cpu,
      bareCpu,
      closedDuring: counts.closes.length - closedBefore,
      openAfter: counts.open,
      sessionsAfter: loaded.map((m) => m.sessions),
      heartbeatTimeouts: loaded.reduce((s, m) => s + m.heartbeatTimeouts, 0),
    };
  } else {
    await sleep(5000);
    loaded = await Promise.all(masters.map((m) => m.measure()));
  }

  console.log(`capacity: ${n.capacityJobs} jobs submitted at once`);
  const counts0 = await workerCounts(grid);
  const cap = await capacity(grid, n.capacityJobs, 120_000);
  const counts1 = await workerCounts(grid);
  const rate = Math.max(1, Math.round(cap.jobsPerSecond / 2));
  console.log(`capacity ${Math.round(cap.jobsPerSecond)} jobs/s; latency at ${rate} jobs/s for 1 + ${n.seconds} s`);
  const latency = await latencyAt(grid, rate, n.seconds, 60_000);
  const counts2 = await workerCounts(grid);
  const storeAfterDispatch = await reader.counts();
  const partitionJobs = await jobsPerPartition(target, redisPrefix, partitions);

  let kill: PhaseReport['kill'] = null;
  if (last && killsMaster && n.masters > 1) {
    console.log(`kill -9 of master 0 while jobs are leased (${n.killRate} jobs/s, ${n.killWorkMs} ms per job, LEASE_MS ${n.leaseMs})`);
    kill = await killMaster(grid, { rate: n.killRate, preSeconds: 2, postSeconds: 1, workMs: n.killWorkMs, leaseMs: n.leaseMs });
  }
  let nodeKill: PhaseReport['nodeKill'] = null;
  if (cluster && killsNode) {
    const which = killCounterNode ? "partition 0's (the submission counter's)" : 'one holding partitions other than 0';
    console.log(`kill -9 of a cluster node, ${which}, restarted after ${n.nodeDownSeconds} s (${n.postRate} uploads/s over HTTP)`);
    nodeKill = await killNode(grid, cluster, {
      partitions,
      counterNode: Boolean(killCounterNode),
      rate: n.postRate,
      preSeconds: 2,
      downSeconds: n.nodeDownSeconds,
      postSeconds: 3,
    });
  }

  const report: PhaseReport = {
    store,
    target: where,
    partitions,
    masters: masters.map((m, i) => ({
      index: i,
      pid: m.pid,
      sockets: perMaster[i]!,
      sessions: loaded[i]!.sessions,
      ...memory(bare[i]!, loaded[i]!),
    })),
    connect: {
      sockets: n.sockets,
      connected: connected.reduce((s, c) => s + c.connected, 0),
      failed: failures.length,
      firstFailures: failures.slice(0, 5),
      seconds: connectSeconds,
    },
    idle,
    capacity: cap,
    latency,
    fairness: { capacity: fairness(receivedBetween(counts0, counts1)), latency: fairness(receivedBetween(counts1, counts2)) },
    storeAfterDispatch,
    jobsPerPartition: partitionJobs,
    kill,
    nodeKill,
  };

  // This phase's own teardown, in reverse: clients, masters (cleanly), keys, cluster.
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(grid.live.map((m) => m.close()));
  for (const step of teardowns.splice(phaseTeardowns).reverse()) await step().catch((error: unknown) => console.error('bench:scale: teardown:', error));
  return report;
}

/** Per master: RSS and heap bare and with its sockets, and the difference per socket (after full collections both times). */
function memory(bare: MasterMeasure, loaded: MasterMeasure) {
  const perSocket = (a: number, b: number) => (loaded.sessions ? (b - a) / loaded.sessions / 1024 : Number.NaN);
  return {
    rssBareMb: bare.rss / 2 ** 20,
    rssLoadedMb: loaded.rss / 2 ** 20,
    rssPerSocketKb: perSocket(bare.rss, loaded.rss),
    heapPerSocketKb: perSocket(bare.heapUsed + bare.external, loaded.heapUsed + loaded.external),
  };
}

/** CPU of masters, clients and Redis over `seconds` of doing nothing else. */
async function cpuOver(grid: Grid, seconds: number): Promise<CpuShares> {
  const cpu = gridCpu(grid);
  await sleep(seconds * 1000);
  return cpu();
}

const startedAt = new Date();
const loadBefore = os.loadavg();
const phases: PhaseReport[] = [];
try {
  for (const [i, store] of stores.entries()) phases.push(await storePhase(store, i === 0, i === stores.length - 1));
} catch (error) {
  console.error(error);
  await abort('failed');
}
clearTimeout(watchdog);
await tearDown();

const report: ScaleReport = {
  command: `npm run bench:scale -- ${process.argv.slice(2).join(' ')}`.trim(),
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  settings: { ...n, stores, redisUrl: redisUrl, redisPrefix, killCounterNode: Boolean(killCounterNode) },
  machine: {
    cores: os.cpus().length,
    node: process.version,
    redis: (await redisServerInfo(redisUrl).catch(() => ({ version: 'unknown' }))).version,
    openFileLimit: fileLimit,
    loadBefore,
    loadAfter: os.loadavg(),
  },
  phases,
};
printReport(report);
if (json) fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
if (csv) fs.writeFileSync(csv, toCsv(report));
process.exit(0);
