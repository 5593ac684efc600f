// One cell of the trust bench: a real master in this process (its own store, the gold set, default
// verification policy unless told otherwise), real WebSocket workers of which a share are saboteurs,
// a batch of jobs on the dev images submitted through the same path as POST /api/jobs, and what became
// of them: each final result checked against what the model says for its image.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import type { JobView } from '../master/api-types.ts';
import { DEFAULT_MAX_ANSWERS_PER_JOB, makeConfig, type Config } from '../master/config.ts';
import type { JobChanged } from '../master/lifecycle/job-events.ts';
import { startMaster } from '../master/server.ts';
import { reachesTarget } from '../master/trust/credibility.ts';
import type { SpotCheckCounts } from '../master/trust/spot-checks.ts';
import type { ImageIndex } from './image-fingerprint.ts';
import type { ModelAnswer } from './model-answers.ts';
import { BenchWorker, type AnswerLog, type IdentityRecord } from './trust-workers.ts';
import { untilAborted } from './runner/study-rounds.ts';
import { newJob } from './uploaded-files.ts';
import type { Behaviour, HonestDisagreement, SaboteurKind } from './worker-behaviours.ts';

export interface CellSpec {
  /** Share of the workers that are saboteurs. */
  saboteurs: number;
  kind: SaboteurKind;
  /** Share of a saboteur's answers that are lies (once it lies at all). */
  rate: number;
  /** Every worker the operator's own fleet (trusted, one answer a job): the unverified baseline. */
  trusted?: boolean;
}

export interface TrustBenchInputs {
  table: ModelAnswer[];
  images: Buffer[];
  index: ImageIndex;
  /** The gold folder (GOLD_DIR) and its answers file (GOLD_ANSWERS). */
  goldDir: string;
  goldAnswers: string;
}

export interface CellOptions {
  jobs: number;
  /**
   * Jobs the same workers answer first, counted in no figure: a grid whose volunteers have been answering a while
   * (histories, and the credibility spot checks earn) rather than one whose every identity is new.
   */
  warmUpJobs: number;
  /** Each job's image prepared on submit, as POST /api/jobs does (the master's CPU per upload); otherwise sent as uploaded. */
  prepareJobs: boolean;
  workers: number;
  credit: number;
  answerMs: number;
  /** A smart saboteur's honest answers under each identity before it lies. */
  honestFor: number;
  disagreement: HonestDisagreement;
  /**
   * Share of the workers on WebGL in half floats (fp16): only their honest answers may slip on a low-margin image,
   * and CLOSE_CALL_MARGIN holds them; the others run WASM, whose fp32 answers agree with the model's (bench:agreement).
   */
  fp16Share: number;
  /** The run stops waiting after this long; what was not finished is counted as such. */
  timeoutMs: number;
  store: { kind: 'sqlite' } | { kind: 'redis'; url: string };
  /** Master settings other than the defaults (TARGET_ERROR, SABOTEUR_FRACTION, MAX_REPLICAS, GOLD_FRACTION, GOLD_FRACTION_NEW, GOLD_POOL_SIZE). */
  policy: Partial<
    Pick<
      Config,
      | 'targetError'
      | 'saboteurFraction'
      | 'maxReplicas'
      | 'closeCallMargin'
      | 'closeCallMarginFp32'
      | 'minChecksToVerify'
      | 'goldFraction'
      | 'goldFractionNew'
      | 'goldPoolSize'
    >
  >;
}

export interface CellRun {
  jobs: number;
  done: number;
  failed: number;
  /** Why jobs failed (a verified grid fails none: each is a finding), one reason per failed job. */
  failures: string[];
  /** Done jobs whose final top-1 is not the model's for the image, in all and among the unverified. */
  wrong: number;
  unverified: number;
  wrongUnverified: number;
  /** Wrong final results that a saboteur's lie gave; the others are honest flips that stood (or untouched). */
  wrongByLie: number;
  /** Wrong final results on jobs that no lie and no honest flip reached: none can be right. */
  wrongUntouched: number;
  /** Answers to real jobs by workers that took the image for another: must be none. */
  misidentified: number;
  /** Answers (replicas) the done jobs hold, all together. */
  replicas: number;
  /** The same for the last quarter of the jobs submitted, answered when the workers have the most history. */
  lastQuarter: { done: number; replicas: number };
  spotChecks: SpotCheckCounts;
  /** Lies and honest second-class answers given to real jobs. */
  lies: number;
  flips: number;
  seconds: number;
  /** Per saboteur: every identity it used while the measured jobs ran, in order. */
  saboteurIdentities: IdentityRecord[][];
  /** Closes of any worker other than a blacklisting. */
  unexpectedCloses: number;
  /**
   * When the measured jobs began (after any warm-up): the volunteers connected, and how many of them were credible
   * enough for their answer to settle a job alone (1 − TARGET_ERROR), so a reader sees whether the warm-up got there.
   */
  atStart: { volunteers: number; settlingAlone: number };
}

const REDIS_PREFIX = 'bench-trust:';

/**
 * Each bench worker on a network of its own (a loopback address: Linux answers on all of 127/8), saboteurs too: the
 * worst case for the master, which counts the identities of one network as one voter, a botnet's colluders spread
 * over as many networks as there are of them. 127.1.0.1 on, 250 a block.
 */
const benchWorkerAddress = (i: number) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** `count` image positions, each image once per round through them, in a fresh order each round. */
function imageOrder(images: number, count: number): number[] {
  const order: number[] = [];
  while (order.length < count) order.push(...shuffled(Array.from({ length: images }, (_, i) => i)));
  return order.slice(0, count);
}

/** Aborting `signal` stops the cell where it is: it throws, its workers, master and temp folder gone (Redis keys cleared). */
export async function runTrustCell(inputs: TrustBenchInputs, cell: CellSpec, options: CellOptions, signal?: AbortSignal): Promise<CellRun> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-trust-'));
  const fleetToken = cell.trusted ? randomBytes(24).toString('base64url') : undefined;
  const config = makeConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    // Blacklistings are logged as warnings: expected here, and they would bury the table.
    logLevel: 'error',
    heartbeatMs: 60_000,
    // Identities are free here (the worst case): a blacklisted saboteur comes back at once, however often.
    maxNewIdentitiesPerAddress: 1_000_000_000,
    goldDir: inputs.goldDir,
    goldAnswers: inputs.goldAnswers,
    ...options.policy,
    // MAX_ANSWERS_PER_JOB must be at least MAX_REPLICAS: a cell asking for more replicas than its default gets as many.
    ...(options.policy.maxReplicas !== undefined && { maxAnswersPerJob: Math.max(options.policy.maxReplicas, DEFAULT_MAX_ANSWERS_PER_JOB) }),
    ...(fleetToken && { fleetToken }),
    ...(options.store.kind === 'redis' && { redisUrl: options.store.url, redisPrefix: REDIS_PREFIX }),
  });
  const master = await startMaster(config);
  const preparer = options.prepareJobs ? master.preparer : null;
  await master.store.clear();
  const log: AnswerLog = new Map();
  const saboteurCount = cell.trusted ? 0 : Math.round(cell.saboteurs * options.workers);
  const behaviours: Behaviour[] = shuffled(
    Array.from({ length: options.workers }, (_, i) =>
      i < saboteurCount ? { kind: cell.kind, rate: cell.rate, honestFor: options.honestFor } : { kind: 'honest' as const },
    ),
  );
  const fp16Count = Math.round(options.fp16Share * options.workers);
  const inFp16 = shuffled(Array.from({ length: options.workers }, (_, i) => i < fp16Count));
  const collusionSeed = randomInt(2 ** 31);
  const workers = await Promise.all(
    behaviours.map((behaviour, i) =>
      BenchWorker.start({
        masterUrl: master.url,
        name: `${behaviour.kind}-${i}`,
        behaviour,
        credit: options.credit,
        answerMs: options.answerMs,
        fleetToken,
        localAddress: benchWorkerAddress(i),
        table: inputs.table,
        index: inputs.index,
        computedOn: inFp16[i] ? { backend: 'webgl', precision: 'fp16' } : { backend: 'wasm' },
        disagreement: inFp16[i] ? options.disagreement : { ...options.disagreement, flipRate: 0 },
        collusionSeed,
        log,
      }),
    ),
  );
  // Events can come before submit resolves: every finished job is kept, and matched to the submitted ones after.
  const finished = new Map<string, JobView>();
  let lastFinishedAt = 0;
  let onFinished = (_id: string) => {};
  let onReopened = (_id: string) => {};
  const unsubscribe = master.events.subscribe((event) => {
    if (event.type !== 'job') return;
    const change = trackFinished(finished, event);
    if (change === 'reopened') onReopened(event.job.id);
    if (change !== 'finished') return;
    lastFinishedAt = performance.now();
    onFinished(event.job.id);
  });
  /** Submits `count` jobs and waits until all are finished or the cell's time is up; answers each job's image. */
  const work = async (count: number, deadline: number): Promise<Map<string, number>> => {
    const jobImage = new Map<string, number>();
    // Submitted and not finished yet (a job may finish before its submit resolves: finished holds it then).
    const unfinished = new Set<string>();
    const allFinished = () => jobImage.size === count && unfinished.size === 0;
    let resolveFinished = () => {};
    onFinished = (id) => unfinished.delete(id) && allFinished() && resolveFinished();
    // A job not yet in jobImage is added at its submit's return, finished no longer holding it.
    onReopened = (id) => jobImage.has(id) && unfinished.add(id);
    const order = imageOrder(inputs.images.length, count);
    for (let sent = 0; sent < order.length; sent += 500) {
      signal?.throwIfAborted();
      const chunk = order.slice(sent, sent + 500);
      const jobs = chunk.map((image) => newJob(inputs.table[image]!.file, 'image/jpeg', inputs.images[image]!));
      // Concurrently, as uploads arriving together are.
      if (preparer) await Promise.all(jobs.map(async (job) => (job.prepared = await preparer.prepare(job.image.path))));
      const created = await master.lifecycle.submit(jobs);
      created.jobs.forEach((job, i) => {
        jobImage.set(job.id, chunk[i]!);
        if (!finished.has(job.id)) unfinished.add(job.id);
      });
    }
    // Waited for again when a job is reopened just as the last one finished (in the same turn).
    while (!allFinished() && performance.now() < deadline) {
      signal?.throwIfAborted();
      let timer: NodeJS.Timeout | undefined;
      const finishedAll = new Promise<void>((resolve) => (resolveFinished = resolve));
      const timeUp = new Promise((resolve) => (timer = setTimeout(resolve, deadline - performance.now())));
      await untilAborted(Promise.race([finishedAll, timeUp]), signal).finally(() => clearTimeout(timer));
    }
    return jobImage;
  };
  try {
    const deadline = performance.now() + options.timeoutMs;
    if (options.warmUpJobs > 0) await work(options.warmUpJobs, deadline);
    const spotChecksBefore = { ...master.lifecycle.counters.spotChecks };
    const volunteers = master.workers.all.filter((session) => session.workerClass === 'volunteer');
    const atStart = {
      volunteers: volunteers.length,
      settlingAlone: volunteers.filter((session) => reachesTarget(session.trust.credibility, config.targetError)).length,
    };
    const started = performance.now();
    const jobImage = await work(options.jobs, deadline);
    const spotChecksAfter = master.lifecycle.counters.spotChecks;
    return measure({
      jobImage,
      finished,
      log,
      table: inputs.table,
      saboteurIdentities: workers
        .filter((worker) => worker.behaviour.kind !== 'honest')
        .map((worker) => worker.identities.filter((identity) => identity.caughtAt === undefined || identity.caughtAt >= started)),
      unexpectedCloses: workers.reduce((sum, worker) => sum + worker.unexpectedCloses.length, 0),
      spotChecks: {
        given: spotChecksAfter.given - spotChecksBefore.given,
        passed: spotChecksAfter.passed - spotChecksBefore.passed,
        failed: spotChecksAfter.failed - spotChecksBefore.failed,
      },
      seconds: Math.max(lastFinishedAt - started, 0) / 1000,
      atStart,
    });
  } finally {
    unsubscribe();
    for (const worker of workers) worker.stop();
    await master.store.clear();
    await master.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Keeps `finished` to the jobs whose latest event left them done or failed. A blacklisting reopens the jobs that
 * leaned on the volunteer (back to queued): their answer is withdrawn, so the job is unfinished until it ends again.
 */
export function trackFinished(finished: Map<string, JobView>, event: Pick<JobChanged, 'transition' | 'job'>): 'finished' | 'reopened' | undefined {
  if (event.job.status === 'done' || event.job.status === 'failed') {
    finished.set(event.job.id, event.job);
    return 'finished';
  }
  if (event.transition === 'reopened' && finished.delete(event.job.id)) return 'reopened';
  return undefined;
}

function measure({
  jobImage,
  finished,
  log,
  table,
  saboteurIdentities,
  unexpectedCloses,
  spotChecks,
  seconds,
  atStart,
}: {
  jobImage: Map<string, number>;
  finished: Map<string, JobView>;
  log: AnswerLog;
  table: ModelAnswer[];
  saboteurIdentities: IdentityRecord[][];
  unexpectedCloses: number;
  spotChecks: SpotCheckCounts;
  seconds: number;
  atStart: CellRun['atStart'];
}): CellRun {
  const run: CellRun = {
    jobs: jobImage.size,
    done: 0,
    failed: 0,
    failures: [],
    wrong: 0,
    unverified: 0,
    wrongUnverified: 0,
    wrongByLie: 0,
    wrongUntouched: 0,
    misidentified: 0,
    replicas: 0,
    lastQuarter: { done: 0, replicas: 0 },
    spotChecks,
    lies: 0,
    flips: 0,
    seconds,
    saboteurIdentities,
    unexpectedCloses,
    atStart,
  };
  const lastQuarterFrom = Math.floor((jobImage.size * 3) / 4);
  for (const [position, [id, image]] of [...jobImage].entries()) {
    const given = log.get(id) ?? [];
    run.misidentified += given.filter((answer) => answer.image !== image).length;
    run.lies += given.filter((answer) => answer.lie).length;
    run.flips += given.filter((answer) => answer.flipped).length;
    const job = finished.get(id);
    if (job?.status === 'failed') {
      run.failed += 1;
      run.failures.push(job.error ?? 'no reason given');
    }
    if (job?.status !== 'done') continue;
    run.done += 1;
    const verification = job.result!.verification;
    run.replicas += verification?.replicas.length ?? 1;
    if (position >= lastQuarterFrom) {
      run.lastQuarter.done += 1;
      run.lastQuarter.replicas += verification?.replicas.length ?? 1;
    }
    const unverified = verification?.state === 'unverified';
    if (unverified) run.unverified += 1;
    if (job.result!.predictions[0]!.index === table[image]!.top1) continue;
    run.wrong += 1;
    if (unverified) run.wrongUnverified += 1;
    const final = job.result!.predictions[0]!.index;
    if (given.some((answer) => answer.lie && answer.answer === final)) run.wrongByLie += 1;
    if (!given.some((answer) => answer.lie || answer.flipped)) run.wrongUntouched += 1;
  }
  return run;
}
