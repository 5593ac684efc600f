// The failures bench:scale inflicts while work flows: kill -9 of one master
// (its leases wait for their deadline and a surviving master's reaper), and
// kill -9 of a Redis Cluster node holding queue partitions, restarted on its
// append-only file (what do submissions see meanwhile; does every acknowledged
// job finish?). By default the node is one without partition 0, whose slot
// also holds the one submission counter: every submission needs that node.
import { distribution } from '../common/percentiles.ts';
import type { JobStatus } from '../master/api-types.ts';
import { partitionOf } from '../master/store/redis/partitions.ts';
import { RedisKeys } from '../master/store/redis/redis-keys.ts';
import type { BenchCluster } from './scale-cluster.ts';
import { epochNow } from './scale-messages.ts';
import { openLoop, sleep, workerCounts, type Grid } from './scale-grid.ts';
import { maxOf, minOf } from './scale-stats.ts';

export interface MasterKillRun {
  /** Index of the master killed, and the sockets it held. */
  victim: number;
  victimSockets: number;
  leaseMs: number;
  /** Each worker answered this long after it got a job, so that leases were held when the master died. */
  workMs: number;
  offeredRate: number;
  submitted: number;
  acked: number;
  refused: number;
  /** Submissions sent to the killed master that it never answered (in flight when it died). */
  unanswered: number;
  /** Jobs the store had created in this run beyond those acknowledged (a create applied, its answer lost with the master). */
  createdUnacknowledged: number;
  /** Leases the killed master's workers held in the store just after the kill. */
  heldAtKill: number;
  /** The same, as its workers counted (jobs received, not yet answered, when their socket closed). */
  heldByWorkers: number;
  /** Of the leases held at the kill: requeued by a surviving master (expired, or recovered from a silent master), and then done. */
  requeued: number;
  finishedElsewhere: number;
  /** From the kill, ms: the first and the last of those leases requeued, the last finished; the last deadline the rules allowed. */
  firstRequeuedMs: number;
  lastRequeuedMs: number;
  lastFinishedMs: number;
  lastDeadlineMs: number;
  /** Every job of this run (acknowledged, or held at the kill), checked in the store afterwards. */
  jobsChecked: number;
  doneOnce: number;
  notDone: number;
  doneTwice: number;
  /** Jobs reported completed more than once by the masters. */
  completedTwice: number;
  /** Jobs by their number of attempts (leases). */
  attempts: Record<string, number>;
}

/**
 * Offers `rate` jobs/s for `preSeconds`, kills the first live master with -9, goes on for `postSeconds` to the others,
 * and waits until every lease the dead master held is requeued and done elsewhere.
 */
export async function killMaster(
  grid: Grid,
  { rate, preSeconds, postSeconds, workMs, leaseMs }: { rate: number; preSeconds: number; postSeconds: number; workMs: number; leaseMs: number },
): Promise<MasterKillRun> {
  const victim = grid.live[0]!;
  const victimIndex = grid.masters.indexOf(victim);
  const before = await grid.reader.counts();
  await Promise.all(grid.clients.map((c) => c.work(workMs)));
  const sending = openLoop(grid, rate, preSeconds + postSeconds);
  await sleep(preSeconds * 1000);

  grid.live = grid.live.filter((m) => m !== victim);
  const killedAt = epochNow();
  await victim.kill();
  // Nothing changes the dead master's leases before their deadline: read them now.
  const leases = await grid.reader.activeLeases();
  const details = await Promise.all(leases.map((lease) => grid.reader.getDetail(lease.jobId)));
  const held = details.flatMap((job) => {
    const attempt = job?.timeline.at(-1);
    return job && attempt?.outcome === 'running' && attempt.workerName.startsWith(`m${victimIndex}-`)
      ? [{ id: job.id, startedAt: Date.parse(attempt.startedAt) }]
      : [];
  });

  const sent = await sending;
  const toSurvivors = sent.filter((s) => s.master !== victim);
  await grid.log.untilAnswered(
    toSurvivors.map((s) => s.seq),
    30_000,
  );
  const ackedIds = sent.flatMap((s) => (grid.log.acks.has(s.seq) ? [grid.log.acks.get(s.seq)!] : []));
  const jobIds = [...new Set([...ackedIds, ...held.map((h) => h.id)])];
  await grid.log.untilCompleted(jobIds, leaseMs + 30_000);
  await Promise.all(grid.clients.map((c) => c.work(0)));
  // Jobs created but never acknowledged (in flight to the dead master) are done too before the store is counted.
  await untilStore(grid, (counts) => counts.queued + counts.leased === 0, 30_000);
  const after = await grid.reader.counts();
  const total = (counts: Record<JobStatus, number>) => counts.queued + counts.leased + counts.done + counts.failed;

  const checked = await Promise.all(jobIds.map((id) => grid.reader.getDetail(id)));
  const attempts: Record<string, number> = {};
  let doneOnce = 0;
  let doneTwice = 0;
  for (const job of checked) {
    if (!job) continue;
    const done = job.timeline.filter((attempt) => attempt.outcome === 'done').length;
    if (job.status === 'done' && done === 1) doneOnce += 1;
    if (done > 1) doneTwice += 1;
    attempts[job.timeline.length] = (attempts[job.timeline.length] ?? 0) + 1;
  }
  const since = (at: number | undefined) => (at === undefined ? Number.NaN : at - killedAt);
  const requeuedAt = held.map((h) => grid.log.requeuedAt(h.id)).filter((t) => t !== undefined);
  const finishedAt = held.map((h) => grid.log.completedAt(h.id)).filter((t) => t !== undefined);
  const closes = (await workerCounts(grid)).closes.filter((c) => c.master === victimIndex);
  return {
    victim: victimIndex,
    victimSockets: closes.length,
    leaseMs,
    workMs,
    offeredRate: rate,
    submitted: sent.length,
    acked: ackedIds.length,
    refused: sent.filter((s) => grid.log.refusals.has(s.seq)).length,
    unanswered: sent.filter((s) => !grid.log.acks.has(s.seq) && !grid.log.refusals.has(s.seq)).length,
    createdUnacknowledged: total(after) - total(before) - ackedIds.length,
    heldAtKill: held.length,
    heldByWorkers: closes.reduce((n, c) => n + c.held, 0),
    requeued: requeuedAt.length,
    finishedElsewhere: finishedAt.length,
    firstRequeuedMs: since(minOf(requeuedAt)),
    lastRequeuedMs: since(maxOf(requeuedAt)),
    lastFinishedMs: since(maxOf(finishedAt)),
    lastDeadlineMs: since(maxOf(held.map((h) => h.startedAt + leaseMs))),
    jobsChecked: jobIds.length,
    doneOnce,
    notDone: checked.filter((job) => job?.status !== 'done').length,
    doneTwice,
    completedTwice: jobIds.filter((id) => grid.log.completions(id) > 1).length,
    attempts,
  };
}

export interface NodeKillRun {
  /** The node killed, with its append-only file (fsync always) switched on first. */
  port: number;
  /** Queue partitions of the store, and which were on the node killed. */
  partitions: number;
  victimPartitions: number[];
  /** Each node's partitions, by port. */
  partitionsByPort: Record<string, number[]>;
  /** Whether the node killed held partition 0 and so the submission counter (asked for, or no other node held a partition). */
  counterNode: boolean;
  /** The share of submissions expected refused while it is down: its share of partitions, or all of them if it held the counter. */
  expectedRefusedShare: number;
  /** Uploads sent from the kill until the node was started again, and of them refused (not 201). */
  sentWhileDown: number;
  refusedSentWhileDown: number;
  /**
   * The same by when they were answered. Neither window is exact: an upload sent just before the kill may be refused
   * after it, and a refusal may wait for the client's next attempt to reach the dead node (up to 2 s) before it is answered.
   */
  answeredWhileDown: number;
  refusedAnsweredWhileDown: number;
  /** The median time an upload waited for its answer, ms: how far the two counts above may differ. */
  medianAnswerMs: number;
  /**
   * Uploads sent while the node was down and accepted all the same into its partitions: their create waited (the
   * cluster client tries a command again when its node's connection closes) until the node was back; and from the
   * kill, ms, when the first of them was answered.
   */
  acceptedIntoItsPartitions: number;
  firstAcceptedIntoItsPartitionsMs: number;
  downSeconds: number;
  offeredRate: number;
  requests: number;
  /** Answers by status and error code ("201", "503 store-unavailable"), or the client's error ("no answer: ..."). */
  outcomes: Record<string, number>;
  /** Refusals that were not a JSON error (a silent or garbled refusal). */
  refusalsWithoutJsonError: number;
  /** From the kill, ms (by when each upload was sent): the first and last refused, the first accepted after the last refused. */
  firstRefusedMs: number;
  lastRefusedMs: number;
  acceptedAgainMs: number;
  /** From the kill, ms: the node started again (its append-only file loaded), and the cluster said ok on every node. */
  startedAgainMs: number;
  clusterOkMs: number;
  /** The longest a submission waited for its answer, ms. */
  slowestAnswerMs: number;
  acked: number;
  /** Of the acknowledged jobs: done in the end, and missing from the store (a silent drop). */
  ackedDone: number;
  ackedMissing: number;
}

const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

interface Post {
  sentAt: number;
  answeredAt: number;
  outcome: string;
  jsonError: boolean;
  jobId?: string;
}

/** One upload of one image through HTTP, as a client would send it. */
async function post(url: string): Promise<Post> {
  const sentAt = epochNow();
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(TINY_PNG)], { type: 'image/png' }), 'tiny.png');
  try {
    const response = await fetch(`${url}/api/jobs`, { method: 'POST', body: form, signal: AbortSignal.timeout(20_000) });
    const body = (await response.json().catch(() => null)) as { jobs?: { id: string }[]; error?: { code?: string } } | null;
    const code = body?.error?.code;
    return {
      sentAt,
      answeredAt: epochNow(),
      outcome: `${response.status}${code ? ` ${code}` : ''}`,
      jsonError: typeof code === 'string',
      ...(response.status === 201 && body?.jobs?.[0] ? { jobId: body.jobs[0].id } : {}),
    };
  } catch (error) {
    return { sentAt, answeredAt: epochNow(), outcome: `no answer: ${(error as Error).message}`, jsonError: false };
  }
}

/**
 * The port of the node to kill, given the port holding each partition (partition 0's also holds the submission
 * counter): the counter's if asked for or if no other node holds a partition, else the other holding the most (the
 * clearest share of refusals; the lower port on a tie).
 */
export function nodeToKill(partitionPorts: readonly number[], counterWanted: boolean): number {
  const counter = partitionPorts[0]!;
  const held = new Map<number, number>();
  for (const port of partitionPorts) if (port !== counter) held.set(port, (held.get(port) ?? 0) + 1);
  const others = [...held].sort(([portA, a], [portB, b]) => b - a || portA - portB);
  return counterWanted || others.length === 0 ? counter : others[0]![0];
}

/**
 * Uploads `rate` images/s through HTTP to the live masters for `preSeconds`, kills a node holding partitions (partition
 * 0's only if `counterNode`, or if no other holds any), restarts it after `downSeconds`, goes on for `postSeconds`,
 * then waits for every acknowledged job.
 */
export async function killNode(
  grid: Grid,
  cluster: BenchCluster,
  {
    partitions,
    counterNode,
    rate,
    preSeconds,
    downSeconds,
    postSeconds,
  }: { partitions: number; counterNode: boolean; rate: number; preSeconds: number; downSeconds: number; postSeconds: number },
): Promise<NodeKillRun> {
  // Each partition's node; partition 0's keys, the counter among them, share one hash tag and so one node.
  const nodes = await Promise.all(Array.from({ length: partitions }, (_, p) => cluster.nodeOf(new RedisKeys(grid.prefix, p, partitions).jobs)));
  const held = (port: number) => nodes.flatMap((node, p) => (node.port === port ? [p] : []));
  const port = nodeToKill(
    nodes.map((node) => node.port),
    counterNode,
  );
  const node = cluster.nodes.find((candidate) => candidate.port === port)!;
  const victimPartitions = held(node.port);
  await cluster.persist(node);
  const posts: Promise<Post>[] = [];
  let stop = false;
  const sender = (async () => {
    const start = epochNow();
    for (let i = 0; !stop; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - epochNow();
      if (wait > 1) await sleep(wait);
      if (stop) break;
      posts.push(post(grid.live[i % grid.live.length]!.url));
    }
  })();
  await sleep(preSeconds * 1000);
  const killedAt = epochNow();
  await cluster.kill(node);
  await sleep(downSeconds * 1000);
  const restartingAt = epochNow();
  const startedAgainAt = await cluster.restart(node);
  const clusterOkAt = epochNow();
  await sleep(postSeconds * 1000);
  stop = true;
  await sender;
  const answers = await Promise.all(posts);

  const acked = answers.flatMap((a) => (a.jobId ? [a.jobId] : []));
  // The reader's connection to the restarted node may still be closing or reopening: a failed read is read again.
  const statuses = () =>
    Promise.all(
      acked.map((id) =>
        grid.reader.get(id).then(
          (job) => job?.status ?? null,
          () => 'unreadable',
        ),
      ),
    );
  const end = Date.now() + 30_000;
  let states = await statuses();
  while (states.some((s) => s !== 'done') && Date.now() < end) {
    await sleep(250);
    states = await statuses();
  }

  const outcomes: Record<string, number> = {};
  for (const a of answers) outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
  const refused = answers.filter((a) => !a.jobId);
  const since = (at: number | undefined) => (at === undefined ? Number.NaN : at - killedAt);
  const down = (at: number) => at >= killedAt && at < restartingAt;
  const answeredWhileDown = answers.filter((a) => down(a.answeredAt));
  const sentWhileDown = answers.filter((a) => down(a.sentAt));
  const waited = sentWhileDown.filter((a) => a.jobId && victimPartitions.includes(partitionOf(a.jobId, partitions)));
  const withCounter = node === nodes[0];
  return {
    port: node.port,
    partitions,
    victimPartitions,
    partitionsByPort: Object.fromEntries(cluster.nodes.map((n) => [String(n.port), held(n.port)])),
    counterNode: withCounter,
    expectedRefusedShare: withCounter ? 1 : victimPartitions.length / partitions,
    sentWhileDown: sentWhileDown.length,
    refusedSentWhileDown: sentWhileDown.filter((a) => !a.jobId).length,
    answeredWhileDown: answeredWhileDown.length,
    refusedAnsweredWhileDown: answeredWhileDown.filter((a) => !a.jobId).length,
    medianAnswerMs: distribution(answers.map((a) => a.answeredAt - a.sentAt)).p50,
    acceptedIntoItsPartitions: waited.length,
    firstAcceptedIntoItsPartitionsMs: since(waited.length ? Math.min(...waited.map((a) => a.answeredAt)) : undefined),
    downSeconds,
    offeredRate: rate,
    requests: answers.length,
    outcomes,
    refusalsWithoutJsonError: refused.filter((a) => !a.jsonError).length,
    firstRefusedMs: since(refused[0]?.sentAt),
    lastRefusedMs: since(refused.at(-1)?.sentAt),
    acceptedAgainMs: since(answers.find((a) => a.jobId && a.sentAt > (refused.at(-1)?.sentAt ?? Number.POSITIVE_INFINITY))?.sentAt),
    startedAgainMs: startedAgainAt - killedAt,
    clusterOkMs: clusterOkAt - killedAt,
    slowestAnswerMs: Math.max(...answers.map((a) => a.answeredAt - a.sentAt)),
    acked: acked.length,
    ackedDone: states.filter((s) => s === 'done').length,
    ackedMissing: states.filter((s) => s === null).length,
  };
}

async function untilStore(grid: Grid, condition: (counts: Record<JobStatus, number>) => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (condition(await grid.reader.counts())) return true;
    if (Date.now() > end) return false;
    await sleep(100);
  }
}
