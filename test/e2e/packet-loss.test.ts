// Workers and clients behind a real lossy link at 10% and 30% (each way):
// every accepted job completes exactly once.
//
// The master listens only on the host end of a veth pair; headless Chromium
// workers and the uploading client run inside the link's network namespace,
// where nftables drops packets at random. The client uploads open loop with
// an Idempotency-Key and retries stalled attempts under the same key. Needs
// root and nftables: without them this test fails and says what is missing.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import type { JobDetailView } from '../../master/api-types.ts';
import { createLossyLink, type LossyLink } from '../../metrics/lossy-link.ts';
import { runUploadClient } from '../../metrics/runner/client-process.ts';
import { listAllJobs, waitForJobs } from '../../metrics/runner/master-jobs.ts';
import { chromiumInNamespace, type NamespacedChromium } from '../../metrics/runner/netns-chromium.ts';
import type { UploadResult } from '../../metrics/runner/upload-client.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, type TestMaster } from '../support/test-master.ts';

const images = devImages(20);
/**
 * Room for workers the master cut off for missed heartbeats to reconnect and finish. At 30% loss each way a
 * TCP stream stalls past the heartbeat limit several times a round (7 cuts in one run), each cut costing up to
 * a minute before both ends notice and the page reconnects; a job can meet two or three of them. This test is
 * about exactly-once, not speed (the metrics study measures that).
 */
const RESULT_WAIT_MS = 300_000;
let link: LossyLink;
let master: TestMaster;
let masterUrl: string;
let chromium: NamespacedChromium;
let fleet: Fleet;
let calmCorrect: number;

interface Round {
  label: string;
  uploads: UploadResult[];
  jobs: Map<string, JobDetailView | null>;
}

/** Uploads the 20 images from inside the namespace and waits for every acknowledged job to end. */
async function sendThroughLink(label: string): Promise<Round> {
  const uploads = images.map((image, i) => ({ key: `${label}-${i}`, fileName: `${label}-${i}_${image.file}`, path: image.path }));
  const results = await runUploadClient(
    { masterUrl, ratePerSecond: 10, uploads, attemptTimeoutMs: 10_000, giveUpAfterMs: 60_000, backoffInitialMs: 250, backoffMaxMs: 2_000 },
    { wrap: link.wrap },
  );
  const ids = results.flatMap((upload) => (upload.jobId ? [upload.jobId] : []));
  return { label, uploads: results, jobs: await waitForJobs(masterUrl, ids, { deadline: Date.now() + RESULT_WAIT_MS }) };
}

/** Who is connected, as the master and as the pages see it: tells a dead worker from a half-open socket. */
async function connectionReport(): Promise<string> {
  const { workers } = (await fetch(`${masterUrl}/api/workers`).then((r) => r.json())) as { workers: { name: string }[] };
  const pages = fleet.workers.map((worker) => `${worker.name} ${worker.status().state}`).join(', ');
  return `The master has ${workers.length} worker socket(s) [${workers.map((w) => w.name).join(', ')}] after ${master.hub.counters.heartbeatTimeouts} heartbeat timeout(s); the pages report: ${pages}.`;
}

const correctCount = ({ uploads, jobs }: Round) =>
  uploads.filter((upload, i) => jobs.get(upload.jobId!)?.result?.predictions[0]?.index === images[i]!.index).length;

beforeAll(async () => {
  link = await createLossyLink({ loss: 0 });
  master = await startTestMaster({ host: link.hostAddress });
  masterUrl = `http://${link.hostAddress}:${master.port}`;
  chromium = chromiumInNamespace(link.nsName);
  fleet = startFleet({ masterUrl, workers: 2, executablePath: chromium.path, namePrefix: 'lossy', logger: createLogger('error') });
  // The model downloads while the link is still clean; loss starts with the jobs.
  await fleet.waitUntilReady(90_000);
  calmCorrect = correctCount(await sendThroughLink('calm'));
});

afterAll(async () => {
  await fleet?.stop();
  await master?.close();
  chromium?.remove();
  await link?.destroy();
});

describe('behind a lossy link', () => {
  it('runs the worker browsers inside the namespace', () => {
    for (const worker of fleet.workers) {
      expect(execFileSync('ip', ['netns', 'identify', String(worker.pid)], { encoding: 'utf8' }).trim()).toBe(link.nsName);
    }
  });

  it.each([0.1, 0.3])('completes every accepted job exactly once at %f loss each way', { timeout: RESULT_WAIT_MS + 120_000 }, async (loss) => {
    await link.setLoss(loss);
    const measured = await link.measureLoss(200);
    expect(measured.forwardLoss, 'the link really drops packets').toBeGreaterThan(0);
    expect(measured.returnLoss).toBeGreaterThan(0);

    const round = await sendThroughLink(`loss-${loss}`);
    for (const upload of round.uploads) {
      expect(upload.jobId, `${upload.key} never acknowledged: ${JSON.stringify(upload.attempts)}`).not.toBeNull();
    }
    const unfinished = [...round.jobs.values()].filter((job) => job?.status !== 'done');
    if (unfinished.length) {
      const states = unfinished.map((job) => `${job?.fileName}: ${job?.status} (${job?.timeline.map((a) => a.reason ?? a.outcome).join('; ')})`);
      expect.fail(`${unfinished.length} job(s) not done within ${RESULT_WAIT_MS / 1000} s: ${states.join(', ')}. ${await connectionReport()}`);
    }
    for (const job of round.jobs.values()) {
      expect(job!.timeline.filter((attempt) => attempt.outcome === 'done')).toHaveLength(1);
      expect(job!.timeline).toHaveLength(job!.attempts);
    }

    // Retries reused their key: one job per key in the master, and it is the one the client was told about.
    const inMaster = (await listAllJobs(masterUrl)).filter((job) => job.fileName.startsWith(`${round.label}-`));
    const keysOfJobs = inMaster.map((job) => job.fileName.slice(0, job.fileName.indexOf('_')));
    expect(new Set(keysOfJobs).size).toBe(inMaster.length);
    expect(inMaster.map((job) => job.id).sort()).toEqual(round.uploads.map((upload) => upload.jobId!).sort());

    // Same model, same bytes (TCP delivers them whole or not at all): the answers should not change; one image of slack.
    expect(correctCount(round)).toBeGreaterThanOrEqual(calmCorrect - 1);
  });
});
