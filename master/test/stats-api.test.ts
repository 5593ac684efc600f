// GET /api/stats and GET /metrics against a real master answered by synthetic
// workers, and the pure bucketing they are built on.
import { jobView } from '../../test/support/job-view.ts';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { distribution } from '../../common/percentiles.ts';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { settled, submit, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import type { JobView } from '../api-types.ts';
import type { StatsView } from '../stats-api-types.ts';
import type { JobChanged } from '../lifecycle/job-events.ts';
import { jobOutcome } from '../stats/job-outcomes.ts';
import { bucketIndex, cumulativeHistogram, emptyBucketCounts, LATENCY_BOUNDS_MS } from '../stats/latency-histogram.ts';
import { LatencyRecord, summarize } from '../stats/latency-record.ts';
import { RollingWindow } from '../stats/rolling-window.ts';

describe('RollingWindow', () => {
  const counter = () => ({ n: 0 });

  it('puts records in the slot of their time, aligned to the slot length', () => {
    const window = new RollingWindow(5000, 4, counter);
    window.at(10_000).n += 1;
    window.at(14_999).n += 1;
    window.at(15_000).n += 1;
    expect(window.slots(16_000)).toEqual([
      { start: 0, value: { n: 0 } },
      { start: 5000, value: { n: 0 } },
      { start: 10_000, value: { n: 2 } },
      { start: 15_000, value: { n: 1 } },
    ]);
  });

  it('starts a slot afresh when its time comes round again, so old records leave the window', () => {
    const window = new RollingWindow(5000, 4, counter);
    window.at(0).n = 7;
    window.at(5000).n = 1;
    window.at(20_000).n += 1; // same ring position as 0
    expect(window.slots(20_000).map((slot) => [slot.start, slot.value.n])).toEqual([
      [5000, 1],
      [10_000, 0],
      [15_000, 0],
      [20_000, 1],
    ]);
  });

  it('leaves out slots wholly before `since`, keeping the one it falls in', () => {
    const window = new RollingWindow(5000, 4, counter);
    expect(window.slots(16_000, 7000).map((slot) => slot.start)).toEqual([5000, 10_000, 15_000]);
  });
});

describe('latency histogram buckets', () => {
  it('puts a value in the first bucket whose bound is at least it (le), and past the last in +Inf', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(5)).toBe(0);
    expect(bucketIndex(5.01)).toBe(1);
    expect(bucketIndex(10_000)).toBe(LATENCY_BOUNDS_MS.length - 1);
    expect(bucketIndex(10_001)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it('makes counts cumulative, ending with le null holding the total', () => {
    const counts = emptyBucketCounts();
    counts[0] = 2;
    counts[3] = 1;
    counts[LATENCY_BOUNDS_MS.length] = 4;
    const histogram = cumulativeHistogram(counts);
    expect(histogram.slice(0, 5)).toEqual([
      { le: 5, count: 2 },
      { le: 10, count: 2 },
      { le: 25, count: 2 },
      { le: 50, count: 3 },
      { le: 100, count: 3 },
    ]);
    expect(histogram.at(-1)).toEqual({ le: null, count: 7 });
  });
});

describe('latency summary over slots', () => {
  const record = (values: number[], cap?: number, random?: () => number) => {
    const kept = new LatencyRecord(cap, random);
    for (const value of values) kept.add(value);
    return kept;
  };

  it('is exact while every slot kept all its values', () => {
    const values = [3, 900, 12, 60, 12_000, 7];
    const summary = summarize([record(values.slice(0, 2)), record([]), record(values.slice(2))]);
    expect(summary.distribution).toEqual(distribution(values));
    expect(summary.histogram.at(-1)).toEqual({ le: null, count: 6 });
  });

  it('reports zeros for an empty window rather than NaN, which JSON cannot carry', () => {
    expect(summarize([record([])]).distribution).toEqual({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });

  it('keeps count, mean, max and histogram exact past the sample cap, and weighs slots by their share of jobs', () => {
    // A busy slot of 1000 values of 100 ms (10 kept) and a quiet one of 10 values of 1 ms (all kept):
    // sampled at equal rates the quiet slot is 1% of the sample, as it is of the jobs.
    const busy = record(new Array<number>(1000).fill(100), 10, () => 0.5);
    const quiet = record(new Array<number>(10).fill(1), 10);
    expect(busy.samples).toHaveLength(10);
    const summary = summarize([quiet, busy], () => 0);
    expect(summary.distribution).toEqual({ count: 1010, mean: (100_000 + 10) / 1010, p50: 100, p90: 100, p99: 100, max: 100 });
    expect(summary.histogram[0]).toEqual({ le: 5, count: 10 });
    expect(summary.histogram.at(-1)).toEqual({ le: null, count: 1010 });
  });
});

describe('jobOutcome', () => {
  const job = (changes: Partial<JobView>): JobView => jobView('j', changes);
  const event = (transition: JobChanged['transition'], changes: Partial<JobView>): JobChanged => ({ type: 'job', transition, job: job(changes) });

  it('counts a job entering the queue afresh as submitted, not a requeue or a lease', () => {
    expect(jobOutcome(event('submitted', {}))).toEqual({ kind: 'submitted' });
    expect(jobOutcome(event('retried', {}))).toEqual({ kind: 'submitted' });
    expect(jobOutcome(event('lost', { attempts: 1 }))).toBeNull();
    expect(jobOutcome(event('failed', { attempts: 1 }))).toBeNull();
    expect(jobOutcome(event('leased', { status: 'leased', attempts: 1 }))).toBeNull();
  });

  it('times a completed job by its final attempt, and counts a failed one', () => {
    const done = {
      status: 'done' as const,
      attempts: 2,
      startedAt: '2025-01-01T00:00:01.500Z',
      finishedAt: '2025-01-01T00:00:01.800Z',
      result: { predictions: [], model: 'm', backend: 'wasm', inferenceMs: 120 },
    };
    expect(jobOutcome(event('completed', done))).toEqual({ kind: 'completed', latencyMs: { queue: 1500, inference: 120, endToEnd: 1800 } });
    expect(jobOutcome(event('failed', { status: 'failed', attempts: 3 }))).toEqual({ kind: 'failed' });
    expect(jobOutcome(event('expired', { status: 'failed', attempts: 3 }))).toEqual({ kind: 'failed' });
  });
});

const images = uploadsFrom(devImages(10).map((image) => image.path));
// Reported inference times spanning the histogram, +Inf included.
const INFERENCE_MS = [1, 4, 8, 20, 60, 150, 400, 900, 3000, 12_000];

const masters: TestMaster[] = [];
const workers: SyntheticWorker[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.terminate();
  for (const master of masters.splice(0)) {
    await master.close();
    fs.rmSync(master.dataDir, { recursive: true, force: true });
  }
});

async function startMaster(): Promise<TestMaster> {
  const master = await startTestMaster();
  masters.push(master);
  return master;
}

/** A worker answering the i-th job it receives with INFERENCE_MS[i], after holding it that long (the master records no more). */
async function answeringWorker(master: TestMaster): Promise<SyntheticWorker> {
  let answered = 0;
  const worker = await SyntheticWorker.connect({
    masterUrl: master.url,
    holdClaimedTime: true,
    onJob: (job, self) => self.succeed(job.header, 0, INFERENCE_MS[answered++ % INFERENCE_MS.length]),
  });
  workers.push(worker);
  return worker;
}

const getStats = (master: TestMaster) => fetch(`${master.url}/api/stats`).then((r) => r.json()) as Promise<StatsView>;

const sum = (stats: StatsView, field: 'submitted' | 'completed' | 'failed') => stats.series.reduce((total, point) => total + point[field], 0);

/** Prometheus text format: `# HELP`/`# TYPE` lines, then `name{labels} value` samples; returns the samples by series. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][\w:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      typed.add(type[1]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)(\{(?:[a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*\})? (-?[\d.]+(?:e[+-]?\d+)?|NaN|[+-]Inf)$/.exec(line);
    if (!sample) throw new Error(`not Prometheus text: ${line}`);
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!typed.has(sample[1]!) && !typed.has(family)) throw new Error(`sample before its # TYPE: ${line}`);
    samples.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]));
  }
  return samples;
}

describe('GET /api/stats', () => {
  it('averages the stages the worker pages measured, leaving out answers without them', async () => {
    const master = await startMaster();
    const model = ((await fetch(`${master.url}/api/model`).then((r) => r.json())) as { hash: string }).hash;
    let answered = 0;
    const worker = await SyntheticWorker.connect({
      masterUrl: master.url,
      onJob: ({ header }, self) => {
        const n = answered++;
        // Stages that could be true (the master keeps no others): they add up to the inference time, and the job is
        // held as long as its queue wait and inference time before the answer.
        const stages = n % 2 === 0 ? { stages: { queued: n, decode: 2, preprocess: 3, predict: 20 + n, readback: 1 } } : {};
        const answer = {
          type: 'result' as const,
          jobId: header.jobId,
          leaseId: header.leaseId,
          predictions: [{ index: 1, label: 'x', probability: 1 }],
          inferenceMs: 26 + n,
          ...stages,
          backend: 'wasm',
          model,
        };
        setTimeout(() => self.send(answer), 2 * n + 30);
      },
    });
    workers.push(worker);
    const ids = await submit(master.url, images.slice(0, 4));
    const jobs = await settled(master.url, ids, 20_000);
    expect(jobs.filter((job) => job.result?.stages).length).toBe(2);
    // Answers 0 and 2 measured their stages: queued 0 and 2, predict 20 and 22.
    expect((await getStats(master)).pageStagesMs).toEqual({ queued: 1, decode: 2, preprocess: 3, predict: 21, readback: 1 });
  });

  it('counts jobs answered by a worker and summarises the latencies they reported', async () => {
    const master = await startMaster();
    await answeringWorker(master);
    const ids = await submit(master.url, images);
    await settled(master.url, ids, 20_000);

    const stats = await getStats(master);
    expect([sum(stats, 'submitted'), sum(stats, 'completed'), sum(stats, 'failed')]).toEqual([10, 10, 0]);
    expect(stats.jobs).toEqual({ queued: 0, leased: 0, done: 10, failed: 0 });
    expect(stats.series.length).toBeGreaterThan(0);
    expect(stats.series.length).toBeLessThanOrEqual(120);
    expect(stats.latencyMs.inference).toEqual(distribution(INFERENCE_MS));
    for (const stage of ['queue', 'endToEnd'] as const) {
      expect(stats.latencyMs[stage].count).toBe(10);
      expect(stats.latencyMs[stage].p50).toBeGreaterThanOrEqual(0);
    }
    expect(stats.histogramsMs.inference.map((bucket) => bucket.count)).toEqual([2, 3, 4, 4, 5, 6, 7, 8, 8, 9, 9, 10]);
    for (const histogram of Object.values(stats.histogramsMs)) {
      expect(histogram.map((bucket) => bucket.le)).toEqual([...LATENCY_BOUNDS_MS, null]);
      expect(histogram.every((bucket, i) => i === 0 || bucket.count >= histogram[i - 1]!.count)).toBe(true);
      expect(histogram.at(-1)!.count).toBe(10);
    }
    expect(stats.workers).toMatchObject([{ kind: 'volunteer', workerClass: 'volunteer', backend: 'cpu', jobsDone: 10 }]);
    expect(stats.dispatch).toMatchObject({ dispatched: 10, completed: 10, failedAttempts: 0 });
  });

  it('counts a job requeued after a failed attempt once, and a job failed for good as failed', async () => {
    const master = await startMaster();
    // Jobs are queued before the worker connects, so it knows which one is poison when it arrives.
    const [poison, ...rest] = await submit(master.url, images.slice(0, 4));
    const tried = new Set<string>();
    workers.push(
      await SyntheticWorker.connect({
        masterUrl: master.url,
        hello: { fleetToken: TEST_FLEET_TOKEN }, // trusted: its word that the image cannot be decoded is final
        holdClaimedTime: true,
        onJob: ({ header }, self) => {
          if (header.jobId === poison) self.fail(header, 'cannot decode', false);
          else if (tried.has(header.jobId)) self.succeed(header, 0, 5);
          else {
            tried.add(header.jobId);
            self.fail(header, 'out of memory', true);
          }
        },
      }),
    );
    await settled(master.url, [poison!, ...rest], 20_000);

    const stats = await getStats(master);
    expect([sum(stats, 'submitted'), sum(stats, 'completed'), sum(stats, 'failed')]).toEqual([4, 3, 1]);
    expect(stats.latencyMs.inference).toMatchObject({ count: 3, p50: 5 });
    expect(stats.dispatch).toMatchObject({ dispatched: 7, completed: 3, failedAttempts: 4 });
  });
});

describe('GET /metrics', () => {
  it('answers Prometheus text with the job and dispatch counters, queue depth, workers and latency histograms', async () => {
    const master = await startMaster();
    await answeringWorker(master);
    const ids = await submit(master.url, images);
    await settled(master.url, ids, 20_000);

    const response = await fetch(`${master.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parsePrometheus(await response.text());
    expect(Object.fromEntries([...metrics].filter(([series]) => !/_seconds_/.test(series)))).toEqual({
      browser_grid_jobs_submitted_total: 10,
      browser_grid_jobs_completed_total: 10,
      browser_grid_jobs_failed_total: 0,
      browser_grid_leases_dispatched_total: 10,
      browser_grid_attempts_failed_total: 0,
      'browser_grid_leases_reassigned_total{reason="lost"}': 0,
      'browser_grid_leases_reassigned_total{reason="expired"}': 0,
      'browser_grid_answers_rejected_total{reason="unknown-job"}': 0,
      'browser_grid_answers_rejected_total{reason="stale-lease"}': 0,
      'browser_grid_answers_rejected_total{reason="not-your-lease"}': 0,
      'browser_grid_spot_checks_total{reason="given"}': 0,
      'browser_grid_spot_checks_total{reason="passed"}': 0,
      'browser_grid_spot_checks_total{reason="failed"}': 0,
      'browser_grid_volunteers_blacklisted_total{reason="spot-check"}': 0,
      'browser_grid_volunteers_blacklisted_total{reason="outvoted"}': 0,
      browser_grid_worker_messages_malformed_total: 0,
      'browser_grid_worker_sockets_cut_off_total{reason="heartbeat-timeout"}': 0,
      'browser_grid_worker_sockets_cut_off_total{reason="too-fast"}': 0,
      'browser_grid_worker_sockets_cut_off_total{reason="too-many-in-flight"}': 0,
      'browser_grid_worker_sockets_cut_off_total{reason="not-reading"}': 0,
      'browser_grid_worker_sockets_cut_off_total{reason="too-many-malformed"}': 0,
      'browser_grid_worker_sockets_cut_off_total{reason="too-many-refused-answers"}': 0,
      'browser_grid_worker_sockets_cut_off_total{reason="blacklisted"}': 0,
      'browser_grid_queue_depth{status="queued"}': 0,
      'browser_grid_queue_depth{status="leased"}': 0,
      'browser_grid_workers_connected{kind="volunteer",backend="cpu"}': 1,
      browser_grid_store_reachable: 1,
      browser_grid_event_streams_connected: 0,
      browser_grid_event_stream_buffered_bytes: 0,
      browser_grid_answer_judgings_pending: 0,
    });
    expect(metrics.get('browser_grid_job_inference_seconds_count')).toBe(10);
    expect(metrics.get('browser_grid_job_inference_seconds_sum')).toBeCloseTo(INFERENCE_MS.reduce((a, b) => a + b) / 1000, 6);
    expect(metrics.get('browser_grid_job_inference_seconds_bucket{le="0.005"}')).toBe(2);
    expect(metrics.get('browser_grid_job_inference_seconds_bucket{le="+Inf"}')).toBe(10);
    for (const stage of ['queue', 'end_to_end']) expect(metrics.get(`browser_grid_job_${stage}_seconds_count`)).toBe(10);
  });

  it('keeps each master in its own registry, so masters sharing a process count apart', async () => {
    const [busy, idle] = [await startMaster(), await startMaster()];
    await answeringWorker(busy);
    await settled(busy.url, await submit(busy.url, images.slice(0, 3)), 20_000);

    const scrape = async (master: TestMaster) => parsePrometheus(await fetch(`${master.url}/metrics`).then((r) => r.text()));
    expect((await scrape(busy)).get('browser_grid_jobs_completed_total')).toBe(3);
    expect((await scrape(idle)).get('browser_grid_jobs_completed_total')).toBe(0);
  });
});
