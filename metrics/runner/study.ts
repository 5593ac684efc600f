// The study, redone: a master, N headless browser workers, and for each loss
// rate an open-loop client behind a real lossy link; every image sent becomes
// one raw record, and each loss rate one summary.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import type { JobView, ModelView } from '../../master/api-types.ts';
import { makeConfig } from '../../master/config.ts';
import { startMaster, type Master } from '../../master/server.ts';
import { loadDataset, type LabelledImage } from '../dataset.ts';
import { createLossyLink, type LossyLink } from '../lossy-link.ts';
import { lossNotApplied } from './applied-loss.ts';
import { probeClockOffset, runUploadClient } from './client-process.ts';
import { buildRecords, type JobRecord } from './job-records.ts';
import { duplicateJobs, listAllJobs, uploadKey, waitForJobs } from './master-jobs.ts';
import { chromiumInNamespace, type NamespacedChromium } from './netns-chromium.ts';
import { StudyProgress } from './progress.ts';
import { writeResults } from './results-folder.ts';
import { repeatedRounds, roundsState, runRounds, untilAborted } from './study-rounds.ts';
import { summarize, type LossSummary } from './summary.ts';
import type { RetryPolicy } from './retrying-request.ts';
import { uploadOwner } from './upload-owner.ts';
import { countWarmUp, planRoundUploads, sendOrder, splitWarmUp, type WarmUpCount } from './warm-up.ts';

export interface StudyOptions {
  imagesDir: string;
  /** The first `count` images of labels.csv, sent once per loss rate. */
  count: number;
  /** Uploads sent at the start of each loss rate and not measured: they pay its start-up cost (warm-up.ts). */
  warmUpUploads: number;
  losses: number[];
  /** Runs of each loss rate, one after another (1: each once). */
  repeats: number;
  ratePerSecond: number;
  workers: number;
  outDir: string;
  /** Keep the master's job store here (default: a temp folder, removed afterwards). */
  dataDir?: string | undefined;
  /** Put the workers behind the lossy link too (by default only the client is). */
  workersBehindLink: boolean;
  retry: RetryPolicy;
  /** How long to wait for acknowledged jobs to finish after the last upload settles. */
  resultTimeoutMs: number;
  lossProbePackets: number;
}

export interface StudyResult {
  files: string[];
  summaries: LossSummary[];
  records: JobRecord[];
}

const FLEET_READY_TIMEOUT_MS = 180_000;

/** Aborting `signal` stops the study where it is; the loss rates finished by then are already written to outDir. */
export async function runStudy(
  options: StudyOptions,
  { progress = new StudyProgress(), signal }: { progress?: StudyProgress; signal?: AbortSignal } = {},
): Promise<StudyResult> {
  const images = selectImages(options.imagesDir, options.count);
  const startedAt = new Date().toISOString();
  const runId = `study-${randomBytes(4).toString('hex')}`;

  const cleanups: (() => unknown)[] = [];
  try {
    const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-study-'));
    if (!options.dataDir) cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    // The study's own fleet is the operator's: trusted, so attempt limits count each of its attempts.
    const fleetToken = randomBytes(24).toString('base64url');
    const config = makeConfig({ port: 0, host: '0.0.0.0', logLevel: 'error', dataDir, fleetToken });
    if (!fs.existsSync(path.join(config.webDir, 'index.html'))) {
      throw new Error(`the worker page is not built (no ${config.webDir}/index.html): run "npm run build" first`);
    }
    progress.log('creating the lossy link');
    const link = await createLossyLink({ loss: 0 });
    cleanups.push(() => link.destroy());
    const master = await startMaster(config);
    cleanups.push(() => master.close());
    const masterBehindLink = `http://${link.hostAddress}:${master.port}`;

    progress.log(`starting ${options.workers} headless worker(s)${options.workersBehindLink ? ' behind the link' : ''}`);
    const { fleet, chromium } = launchWorkers(options, link, options.workersBehindLink ? masterBehindLink : master.url, fleetToken);
    cleanups.push(
      () => chromium?.remove(),
      () => fleet.stop(),
    );
    await untilAborted(fleet.waitUntilReady(FLEET_READY_TIMEOUT_MS), signal);
    const model = (await fetch(new URL('/api/model', master.url), { signal }).then((r) => r.json())) as ModelView;
    // The client's namespace is on this host, so it reads the master's clock: records hold no offset, as subtracting
    // the Date-header estimate would only add its error (a few ms either way). The probe stays in config.json as a check.
    const clock = await untilAborted(probeClockOffset(masterBehindLink, link.wrap, signal), signal); // the link is still clean here

    const planned = repeatedRounds(options.losses, options.repeats);
    // Written after each round: a run stopped or failed later says so here, and which runs its tables hold.
    const runConfig = (summaries: readonly LossSummary[], warmUps: readonly WarmUpCount[]) => ({
      startedAt,
      writtenAt: new Date().toISOString(),
      ...roundsState(planned, summaries.length),
      argv: process.argv.slice(2),
      options,
      runId,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryBytes: os.totalmem(), kernel: os.release(), node: process.version },
      link: {
        mechanism: link.mechanism,
        hostAddress: link.hostAddress,
        nsAddress: link.nsAddress,
        clientBehindLink: true,
        workersBehindLink: options.workersBehindLink,
      },
      master: { model, leaseMs: config.leaseMs, heartbeatMs: config.heartbeatMs, maxAttempts: config.maxAttempts, store: 'sqlite' },
      clock,
      measuredLoss: summaries.map((s) => ({ loss: s.loss, repeat: s.repeat, ...s.measuredLoss })),
      // Sent before each round's measured uploads, in none of the records or tables.
      warmUp: summaries.map((s, i) => ({ loss: s.loss, repeat: s.repeat, ...warmUps[i] })),
    });
    let files: string[] = [];
    const rounds = await runRounds({
      rounds: planned,
      signal,
      savedIn: options.outDir,
      measure: (loss, round) =>
        measureAtLoss({
          options,
          link,
          master,
          masterBehindLink,
          images,
          loss,
          repeat: planned[round]!.repeat,
          keyPrefix: `${runId}-${round}`,
          progress,
          signal,
        }),
      save: async (done) => {
        const summaries = done.map((round) => round.summary);
        files = await writeResults(
          options.outDir,
          runConfig(
            summaries,
            done.map((round) => round.warmUp),
          ),
          done.flatMap((round) => round.records),
          summaries,
        );
      },
    });
    return { files, summaries: rounds.map((round) => round.summary), records: rounds.flatMap((round) => round.records) };
  } finally {
    progress.stop();
    for (const cleanup of cleanups.reverse()) {
      // One failed step must not leave the rest (browsers, the namespace) behind.
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => progress.log(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}

function selectImages(dir: string, count: number): LabelledImage[] {
  const all = loadDataset(dir);
  if (all.length < count) throw new Error(`${dir} has ${all.length} labelled images; --count asked for ${count}`);
  return all.slice(0, count);
}

function launchWorkers(options: StudyOptions, link: LossyLink, masterUrl: string, fleetToken: string): { fleet: Fleet; chromium: NamespacedChromium | null } {
  const chromium = options.workersBehindLink ? chromiumInNamespace(link.nsName) : null;
  try {
    const fleet = startFleet({
      masterUrl,
      workers: options.workers,
      executablePath: chromium?.path,
      namePrefix: 'study',
      fleetToken,
      logger: createLogger('warn'),
    });
    return { fleet, chromium };
  } catch (error) {
    chromium?.remove();
    throw error;
  }
}

interface LossRound {
  options: StudyOptions;
  link: LossyLink;
  master: Master;
  masterBehindLink: string;
  images: LabelledImage[];
  loss: number;
  /** Which run of this loss rate, from 1. */
  repeat: number;
  keyPrefix: string;
  progress: StudyProgress;
  signal: AbortSignal | undefined;
}

interface MeasuredRound {
  records: JobRecord[];
  summary: LossSummary;
  warmUp: WarmUpCount;
}

async function measureAtLoss({
  options,
  link,
  master,
  masterBehindLink,
  images,
  loss,
  repeat,
  keyPrefix,
  progress,
  signal,
}: LossRound): Promise<MeasuredRound> {
  await link.setLoss(loss);
  const measuredLoss = await link.measureLoss(options.lossProbePackets);
  // Figures under a loss the link did not apply would be false: the round stops instead (runRounds names it).
  const notApplied = lossNotApplied(loss, measuredLoss);
  if (notApplied) throw new Error(notApplied);
  const round = planRoundUploads(images, keyPrefix, options.warmUpUploads);
  const uploads = round.measured;
  const measuredKeys = new Set(uploads.map((upload) => upload.key));
  const bars = progress.startLoss(loss, images.length);
  // Asked of the master directly, not through the lossy link: the uploads are what is measured.
  const { key: ownerKey } = await uploadOwner(master.url, undefined, options.retry);
  // One client process and one open-loop schedule: the warm-up first, the measured uploads right after it.
  const { warmUp, measured: results } = splitWarmUp(
    await runUploadClient(
      { masterUrl: masterBehindLink, ownerKey, ratePerSecond: options.ratePerSecond, uploads: sendOrder(round), ...options.retry },
      {
        wrap: link.wrap,
        onUpload: (upload) => {
          if (measuredKeys.has(upload.key)) bars.uploadSettled(upload);
        },
        signal,
      },
    ),
    round,
  );

  const ackedIds = results.flatMap((upload) => (upload.jobId ? [upload.jobId] : []));
  const measuredIds = new Set(ackedIds);
  // The warm-up's jobs are waited for too, so that none is still in flight during the next round's.
  const warmUpIds = warmUp.flatMap((upload) => (upload.jobId ? [upload.jobId] : []));
  const acknowledged = await waitForJobs(master.url, [...warmUpIds, ...ackedIds], {
    deadline: Date.now() + options.resultTimeoutMs,
    onFinished: (job) => {
      if (measuredIds.has(job.id)) bars.jobFinished(job.status === 'done' ? 'done' : 'failed');
    },
  });
  // One read of the master's jobs serves both checks: the run's jobs so far (count × loss rates), 500 a page.
  const allJobs = await listAllJobs(master.url);
  const unacknowledgedButCreated = findUnacknowledgedJobs(
    allJobs,
    results.filter((upload) => !upload.jobId).map((upload) => upload.key),
  );
  const duplicates = duplicateJobs(
    allJobs,
    uploads.map((upload) => upload.key),
  );

  const records = buildRecords({ loss, repeat, images, uploads: results, acknowledged, unacknowledgedButCreated });
  const summary = summarize(records, { loss, repeat, offeredRate: options.ratePerSecond, measuredLoss, duplicateJobs: duplicates });
  const { correct, wrong, failed, missing, unacknowledged } = summary.buckets;
  bars.end(
    `loss ${loss}${options.repeats > 1 ? ` (repeat ${repeat} of ${options.repeats})` : ''}: correct ${correct}, wrong ${wrong}, failed ${failed}, missing ${missing}, unacknowledged ${unacknowledged}, retries ${summary.retries}, duplicate jobs ${summary.duplicateJobs}`,
  );
  return { records, summary, warmUp: countWarmUp(warmUp) };
}

/** A lost 201 can leave a job the client never heard of; its file name (`<key>_<file>`) gives it away. */
function findUnacknowledgedJobs(jobs: readonly JobView[], keys: string[]) {
  const found = new Map<string, JobView>();
  const wanted = new Set(keys);
  for (const job of jobs) {
    const key = uploadKey(job);
    if (wanted.has(key)) found.set(key, job);
  }
  return found;
}
