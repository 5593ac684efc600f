// What npm run bench:scale found: its report's shape, the table it prints, its
// CSV (one figure a row), and the goals of issue 12 beside the figures.
import { stringify } from 'csv-stringify/sync';
import type { JobStatus } from '../master/api-types.ts';
import type { CapacityRun, CpuShares, LatencyRun } from './scale-grid.ts';
import type { MasterKillRun, NodeKillRun } from './scale-kills.ts';
import type { Fairness } from './scale-stats.ts';

export interface PhaseReport {
  store: 'redis' | 'cluster';
  target: string;
  /** QUEUE_PARTITIONS of this store. */
  partitions: number;
  masters: {
    index: number;
    pid: number;
    sockets: number;
    sessions: number;
    rssBareMb: number;
    rssLoadedMb: number;
    rssPerSocketKb: number;
    heapPerSocketKb: number;
  }[];
  connect: { sockets: number; connected: number; failed: number; firstFailures: string[]; seconds: number };
  idle: {
    seconds: number;
    heartbeatMs: number;
    /** % of one core (per master, all clients, Redis), with every socket open, and before any socket (over up to 5 s). */
    cpu: CpuShares;
    bareCpu: CpuShares;
    closedDuring: number;
    openAfter: number;
    sessionsAfter: number[];
    heartbeatTimeouts: number;
  } | null;
  capacity: CapacityRun;
  latency: LatencyRun;
  fairness: { capacity: Fairness; latency: Fairness };
  /** The store's counts once the capacity and latency runs were over. */
  storeAfterDispatch: Record<JobStatus, number>;
  /** Jobs in each partition then (all statuses). */
  jobsPerPartition: number[];
  kill: MasterKillRun | null;
  nodeKill: NodeKillRun | null;
}

export interface ScaleReport {
  command: string;
  startedAt: string;
  seconds: number;
  settings: Record<string, unknown>;
  machine: { cores: number; node: string; redis: string; openFileLimit: number; loadBefore: number[]; loadAfter: number[] };
  phases: PhaseReport[];
}

export interface Goal {
  store: string;
  goal: string;
  measured: string;
  met: boolean;
}

const f = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

/** Issue 12's goals, each against what this run measured. */
export function goals(report: ScaleReport): Goal[] {
  const out: Goal[] = [];
  for (const phase of report.phases) {
    const store = phase.store;
    const sockets = phase.connect.connected;
    // Each master must meet it: a mean lets one heavy master hide behind light ones.
    const perSocket = Math.max(...phase.masters.map((m) => m.rssPerSocketKb));
    out.push({
      store,
      goal: '10,000 sockets held, ≤ 30 KB master memory each',
      measured: `${f(sockets)} sockets, ${f(perSocket, 1)} KB RSS each on the heaviest master${phase.idle ? `, ${phase.idle.closedDuring} dropped in ${phase.idle.seconds} s idle` : ''}`,
      met: sockets >= 10_000 && perSocket <= 30 && (phase.idle === null || phase.idle.closedDuring === 0),
    });
    // A rate or a percentile over the jobs that were done says nothing of those that were not: any such job fails the goal.
    const c = phase.capacity;
    const capacityShort: string[] = [];
    if (c.missing) capacityShort.push(`${c.missing} of ${c.jobs} jobs never done`);
    if (c.refused.length) capacityShort.push(`${c.refused.length} submissions refused`);
    out.push({
      store,
      goal: `aggregate dispatch ≥ 5,000 jobs/s with 4 masters on 2 cores`,
      measured: `${f(c.jobsPerSecond)} jobs/s with ${phase.masters.length} masters${capacityShort.map((s) => `; ${s}`).join('')}`,
      met: c.jobsPerSecond >= 5000 && phase.masters.length >= 4 && capacityShort.length === 0,
    });
    const l = phase.latency;
    out.push({
      store,
      goal: 'p99 added latency < 5 ms at 1,000 jobs/s',
      measured: `p99 ${f(l.p99, 1)} ms at ${f(l.offeredRate)} jobs/s${l.measuredNotDone ? `; ${l.measuredNotDone} of ${l.measured} measured jobs never done (${l.refused} refused, ${l.unanswered} unanswered of all submitted)` : ''}`,
      met: l.p99 < 5 && l.offeredRate >= 1000 && l.measuredNotDone === 0,
    });
    const jain = Math.min(phase.fairness.capacity.jain, phase.fairness.latency.jain);
    out.push({
      store,
      goal: "Jain's index of jobs per worker ≥ 0.95",
      measured: `${f(phase.fairness.capacity.jain, 3)} (capacity run), ${f(phase.fairness.latency.jain, 3)} (latency run)`,
      met: jain >= 0.95,
    });
    if (phase.kill) {
      const k = phase.kill;
      out.push({
        store,
        goal: 'master kill: every lease it held requeued within one lease period, finished elsewhere, nothing lost or done twice',
        measured: `${k.heldAtKill} leases held; last requeued ${f(k.lastRequeuedMs)} ms after the kill (LEASE_MS ${f(k.leaseMs)}), last done ${f(k.lastFinishedMs)} ms; ${k.notDone} not done, ${k.doneTwice} done twice`,
        met: k.lastRequeuedMs <= k.leaseMs && k.finishedElsewhere === k.heldAtKill && k.notDone === 0 && k.doneTwice === 0 && k.completedTwice === 0,
      });
    }
    if (phase.nodeKill) {
      const nk = phase.nodeKill;
      out.push({
        store,
        goal: 'cluster node killed and restarted: submissions see 503, never a silent drop; every acknowledged job finishes',
        measured: `node with ${nodeKillWhat(nk)}: ${Object.entries(nk.outcomes)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ')}; ${nk.ackedDone} of ${nk.acked} acknowledged done`,
        met: nk.ackedDone === nk.acked && nk.refusalsWithoutJsonError === 0,
      });
    }
  }
  return out;
}

/** "partitions 2, 5 of 8" and whether the counter was on it. */
const nodeKillWhat = (nk: NodeKillRun) =>
  `partition${nk.victimPartitions.length === 1 ? '' : 's'} ${nk.victimPartitions.join(', ')} of ${nk.partitions}${nk.counterNode ? ' (with the submission counter)' : ''}`;

const percent = (part: number, whole: number) => (whole ? `${f((100 * part) / whole, 1)}%` : '–');

export function printReport(report: ScaleReport): void {
  const s = report.settings;
  console.log(
    `\nbench:scale — ${s.sockets} sockets, ${s.masters} masters, ${report.machine.cores} cores, node ${report.machine.node}, redis ${report.machine.redis}, ` +
      `load ${report.machine.loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${report.machine.loadAfter.map((l) => l.toFixed(1)).join(' ')} after, ${f(report.seconds)} s`,
  );
  for (const p of report.phases) {
    console.log(
      `\n${p.store === 'redis' ? 'one Redis' : 'Redis Cluster (3 nodes)'} ${p.target}, ${p.partitions} queue partition${p.partitions === 1 ? '' : 's'}`,
    );
    console.log(`  sockets: ${p.connect.connected} of ${p.connect.sockets} connected in ${f(p.connect.seconds, 1)} s (${p.connect.failed} failed)`);
    for (const m of p.masters)
      console.log(
        `  master ${m.index}: ${m.sessions} sessions; RSS ${f(m.rssBareMb, 1)} → ${f(m.rssLoadedMb, 1)} MB = ${f(m.rssPerSocketKb, 1)} KB per socket (heap+external ${f(m.heapPerSocketKb, 1)} KB)` +
          (p.idle ? `; idle CPU ${f(p.idle.cpu.masters[m.index]!, 1)}% of a core (bare ${f(p.idle.bareCpu.masters[m.index]!, 1)}%)` : ''),
      );
    if (p.idle)
      console.log(
        `  idle ${p.idle.seconds} s, heartbeat ${p.idle.heartbeatMs} ms: ${p.idle.closedDuring} sockets closed, ${p.idle.openAfter} open after, sessions ${p.idle.sessionsAfter.join('+')}, ${p.idle.heartbeatTimeouts} heartbeat timeouts; ` +
          `CPU % of a core: clients ${f(p.idle.cpu.clients, 1)}, redis ${f(p.idle.cpu.redis, 1)} (bare: redis ${f(p.idle.bareCpu.redis, 1)})`,
      );
    const c = p.capacity;
    console.log(
      `  capacity: ${f(c.jobsPerSecond)} jobs/s (${c.jobs} jobs in ${f(c.seconds, 2)} s; ${c.completedJobs} done, ${c.missing} missing, ${c.doubled} done twice, ${c.refused.length} refused); ` +
        `CPU % of a core: masters ${c.cpu.masters.map((x) => f(x)).join('+')}, clients ${f(c.cpu.clients)}, redis ${f(c.cpu.redis)}`,
    );
    const l = p.latency;
    console.log(
      `  latency at ${f(l.offeredRate)} jobs/s: p50 ${f(l.p50, 2)} ms, p90 ${f(l.p90, 2)}, p99 ${f(l.p99, 2)}, max ${f(l.max, 1)} (${l.acked} of ${l.submitted} acknowledged, ${l.refused} refused, ${l.unanswered} unanswered, ${l.missing} missing, ${l.doubled} done twice); ` +
        `CPU: masters ${l.cpu.masters.map((x) => f(x)).join('+')}, clients ${f(l.cpu.clients)}, redis ${f(l.cpu.redis)}`,
    );
    if (p.partitions > 1) console.log(`  jobs per partition after the capacity and latency runs: ${p.jobsPerPartition.join(', ')}`);
    for (const [run, fair] of Object.entries(p.fairness))
      console.log(
        `  fairness (${run}): Jain ${f(fair.jain, 3)} over ${fair.workers} workers, ${f(fair.mean, 2)} jobs each (min ${fair.min}, max ${fair.max}, ${fair.idleWorkers} got none; the evenest deal would give ${f(fair.jainBest, 3)}, a random one ${f(fair.jainIfRandom, 3)})`,
      );
    if (p.kill) {
      const k = p.kill;
      console.log(
        `  master ${k.victim} killed (${k.victimSockets} sockets): ${k.heldAtKill} leases held (its workers counted ${k.heldByWorkers}); ${k.requeued} requeued, first ${f(k.firstRequeuedMs)} ms, last ${f(k.lastRequeuedMs)} ms after the kill (last deadline ${f(k.lastDeadlineMs)} ms); ` +
          `${k.finishedElsewhere} finished elsewhere, last ${f(k.lastFinishedMs)} ms`,
      );
      console.log(
        `    ${k.jobsChecked} jobs checked: ${k.doneOnce} done once, ${k.notDone} not done, ${k.doneTwice} done twice (${k.completedTwice} reported twice); attempts ${JSON.stringify(k.attempts)}; ` +
          `${k.acked} acknowledged, ${k.refused} refused, ${k.unanswered} unanswered (sent to the dead master), ${k.createdUnacknowledged} created unacknowledged`,
      );
    }
    if (p.nodeKill) {
      const nk = p.nodeKill;
      const byPort = Object.entries(nk.partitionsByPort)
        .map(([port, held]) => `${port}: ${held.join(',') || 'none'}`)
        .join('; ');
      console.log(`  cluster node ${nk.port} killed, holding ${nodeKillWhat(nk)} (partitions by node: ${byPort})`);
      console.log(
        `    while down: ${nk.refusedSentWhileDown} of ${nk.sentWhileDown} uploads sent were refused (${percent(nk.refusedSentWhileDown, nk.sentWhileDown)}), ` +
          `${nk.refusedAnsweredWhileDown} of ${nk.answeredWhileDown} answered (${percent(nk.refusedAnsweredWhileDown, nk.answeredWhileDown)}); expected: ${f(100 * nk.expectedRefusedShare, 1)}% ` +
          `(${nk.counterNode ? 'every submission needs the counter' : 'its share of partitions'}); median answer ${f(nk.medianAnswerMs)} ms; ` +
          `${nk.acceptedIntoItsPartitions} sent while it was down were accepted into its partitions once it was back (the first answered ${f(nk.firstAcceptedIntoItsPartitionsMs)} ms after the kill)`,
      );
      console.log(
        `    node ${nk.port} started again ${f(nk.startedAgainMs)} ms later (cluster ok at ${f(nk.clusterOkMs)} ms): ${nk.requests} uploads → ${Object.entries(
          nk.outcomes,
        )
          .map(([k, v]) => `${k} ×${v}`)
          .join(
            ', ',
          )}; refused from ${f(nk.firstRefusedMs)} to ${f(nk.lastRefusedMs)} ms after the kill, accepted again from ${f(nk.acceptedAgainMs)} ms; slowest answer ${f(nk.slowestAnswerMs)} ms`,
      );
      console.log(
        `    ${nk.acked} acknowledged: ${nk.ackedDone} done, ${nk.ackedMissing} missing; ${nk.refusalsWithoutJsonError} refusals without a JSON error`,
      );
    }
  }
  console.log('\ngoals (issue 12):');
  for (const g of goals(report)) console.log(`  [${g.met ? 'met' : 'NOT met'}] ${g.store}: ${g.goal} — ${g.measured}`);
}

/** One figure a row: store, section, metric, value (numbers as numbers, lists joined by "+"). */
export function toCsv(report: ScaleReport): string {
  const rows: (string | number)[][] = [['store', 'section', 'metric', 'value']];
  const add = (store: string, section: string, values: object) => {
    for (const [metric, value] of Object.entries(values)) {
      if (value === null || value === undefined) continue;
      if (Array.isArray(value)) rows.push([store, section, metric, value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join('+')]);
      else if (typeof value === 'object') add(store, `${section}.${metric}`, value as object);
      else rows.push([store, section, metric, value as string | number]);
    }
  };
  for (const p of report.phases) {
    add(p.store, 'phase', { target: p.target, partitions: p.partitions });
    for (const m of p.masters) add(p.store, `master${m.index}`, m);
    add(p.store, 'connect', p.connect);
    if (p.idle) add(p.store, 'idle', p.idle);
    add(p.store, 'capacity', p.capacity);
    add(p.store, 'latency', p.latency);
    add(p.store, 'fairness', p.fairness);
    add(p.store, 'store', p.storeAfterDispatch);
    add(p.store, 'store', { jobsPerPartition: p.jobsPerPartition });
    if (p.kill) add(p.store, 'kill', p.kill);
    if (p.nodeKill) add(p.store, 'nodeKill', p.nodeKill);
  }
  for (const g of goals(report)) rows.push([g.store, 'goal', g.goal, g.met ? 'met' : 'not met']);
  // A figure that could not be measured (NaN) is an empty cell.
  return stringify(rows.map((row) => row.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? '' : v))));
}
