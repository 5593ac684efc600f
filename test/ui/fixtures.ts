// Made-up data for UI tests: jobs for the 10,000-row list, a stats answer, a tiny PNG.
import type { JobView } from '../../master/api-types.ts';
import type { StatsView } from '../../master/stats-api-types.ts';

export function syntheticJob(i: number): JobView {
  const at = new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
  return {
    id: `synthetic-${i}`,
    status: i % 10 === 0 ? 'failed' : 'done',
    attempts: 1,
    fileName: `photo-${i}.jpg`,
    contentType: 'image/png',
    size: 100,
    submittedAt: at,
    queuedAt: at,
    startedAt: at,
    finishedAt: at,
    worker: 'fleet-1',
    holderClass: null,
    owner: null,
    trustedOnly: false,
    imageExpiredAt: null,
    votes: 0,
    error: i % 10 === 0 ? 'cannot decode the image' : null,
    result:
      i % 10 === 0
        ? null
        : {
            model: 'abc',
            backend: 'wasm',
            inferenceMs: 60,
            predictions: [
              { index: 281, label: 'tabby, tabby cat', probability: 0.7 },
              { index: 282, label: 'tiger cat', probability: 0.2 },
              { index: 285, label: 'Egyptian cat', probability: 0.05 },
            ],
          },
  };
}

/** A 1×1 transparent PNG. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

export function statsFixture(): StatsView {
  const now = Date.now();
  const series = Array.from({ length: 120 }, (_, i) => ({
    at: new Date(now - (120 - i) * 5000).toISOString(),
    submitted: 40 + (i % 7),
    completed: 38 + (i % 5),
    failed: i % 20 === 0 ? 1 : 0,
    queued: 10 + (i % 9),
    leased: 4,
  }));
  const histogram = (counts: number[]) => {
    const bounds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, null];
    let total = 0;
    return bounds.map((le, i) => ({ le, count: (total += counts[i] ?? 0) }));
  };
  const distribution = { count: 4000, mean: 80, p50: 62, p90: 140, p99: 300, max: 900 };
  const worker = (name: string, jobsDone: number, jobsFailed: number, trust: { credibility: number; spotChecksPassed: number } | null = null) => ({
    id: name,
    workerId: `${name}-identity-0000`,
    workerClass: trust ? ('volunteer' as const) : ('trusted' as const),
    name,
    kind: trust ? ('volunteer' as const) : ('headless' as const),
    browser: 'chromium',
    cpuShare: 100,
    imagesPerHour: null,
    backend: 'wasm',
    model: 'abc',
    credit: 8,
    inFlight: 3,
    jobsDone,
    jobsFailed,
    meanInferenceMs: 62,
    connectedAt: new Date(now - 600_000).toISOString(),
    draining: false,
    credibility: 1,
    spotChecksPassed: 0,
    ...trust,
  });
  return {
    at: new Date(now).toISOString(),
    uptimeSeconds: 3700,
    jobs: { queued: 12, leased: 4, done: 5000, failed: 7 },
    series,
    latencyMs: { queue: distribution, inference: distribution, endToEnd: distribution },
    histogramsMs: {
      queue: histogram([300, 500, 900, 1200, 800, 250, 40, 10]),
      inference: histogram([0, 0, 100, 2500, 1300, 100]),
      endToEnd: histogram([0, 0, 0, 200, 1500, 1800, 400, 100]),
    },
    pageStagesMs: { queued: 120, decode: 6, preprocess: 3, predict: 30, readback: 1 },
    workers: [
      worker('fleet-1', 1200, 3),
      worker('fleet-2', 1100, 0),
      worker('volunteer-1', 40, 0, { credibility: 0.9731, spotChecksPassed: 12 }),
      worker('volunteer-2', 30, 0, { credibility: 0.99999, spotChecksPassed: 500 }),
    ],
    workersConnected: 4,
    dispatch: {
      dispatched: 5100,
      completed: 5000,
      replicasAsked: 40,
      failedAttempts: 9,
      reassigned: { lost: 2, expired: 1 },
      rejected: { 'unknown-job': 0, 'stale-lease': 1, 'not-your-lease': 0 },
      spotChecks: { given: 260, passed: 251, failed: 1 },
      blacklisted: { 'spot-check': 1, outvoted: 2 },
      sent: { images: 5360, bytes: 41_300_000 },
    },
    transitions: {
      submitted: 5019,
      leased: 5100,
      completed: 5000,
      answered: 40,
      reopened: 4,
      unverified: 0,
      'answers-capped': 0,
      'image-expired': 0,
      purged: 0,
      failed: 9,
      expired: 1,
      lost: 2,
      recovered: 0,
      refused: 0,
      retried: 0,
      cancelled: 0,
      cleared: 0,
    },
  };
}
