// The study's wait for its jobs: against a real master, and against a scripted HTTP server standing in for
// a master that rate-limits reads.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDetailView, JobView } from '../../master/api-types.ts';
import { jobView } from '../../test/support/job-view.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import { TEST_FLEET_TOKEN } from '../../test/support/test-master.ts';
import { waitForJobs } from '../runner/master-jobs.ts';

const grid = useSyntheticGrid();
let server: http.Server;
let masterUrl: string;
const ids = ['job-1', 'job-2', 'job-3'];
const status = new Map<string, JobView['status']>();
const reads = new Map<string, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://master');
    // Every request's first time (a job's read, or a list by status) is refused as over the address's limit.
    const what = url.pathname + url.search.replace(/&?cursor=[^&]*/, '');
    const read = (reads.get(what) ?? 0) + 1;
    reads.set(what, read);
    if (read === 1) return void res.writeHead(429, { 'retry-after': '1' }).end('too many requests from this address');
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/api/jobs') {
      const wanted = url.searchParams.get('status');
      const jobs = [...status].filter(([, s]) => s === wanted).map(([id, s]) => jobView(id, { status: s }));
      // job-3 finishes once a list has shown it queued.
      if (status.get('job-3') === 'queued') status.set('job-3', 'done');
      return json({ jobs, nextCursor: null });
    }
    const id = decodeURIComponent(url.pathname.split('/').at(-1)!);
    const detail: JobDetailView = { ...jobView(id, { status: status.get(id)! }), timeline: [] };
    json(detail);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  masterUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('waitForJobs', () => {
  it('waits out 429 Retry-After on its reads and resolves with every job done', async () => {
    status.set('job-1', 'done').set('job-2', 'done').set('job-3', 'queued');
    const finished: string[] = [];
    const views = await waitForJobs(masterUrl, ids, { deadline: Date.now() + 60_000, onFinished: (job) => finished.push(job.id) });
    expect(ids.map((id) => views.get(id)?.status)).toEqual(['done', 'done', 'done']);
    expect(finished.sort()).toEqual(ids);
    // Each job was refused once and read once more: no job was read again after it was done.
    expect(ids.map((id) => reads.get(`/api/jobs/${id}`))).toEqual([2, 2, 2]);
  });
});

describe('waitForJobs against a real master', () => {
  it('resolves with every job done and its timeline, and null for an id the master does not know', async () => {
    await grid.start();
    await grid.connect({ hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, worker) => worker.succeed(job.header) });
    const submitted = await grid.submit(4);
    const views = await waitForJobs(grid.master.url, [...submitted, 'no-such-job'], { deadline: Date.now() + 60_000 });
    expect(submitted.map((id) => views.get(id)?.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(submitted.every((id) => views.get(id)!.timeline.some((attempt) => attempt.outcome === 'done'))).toBe(true);
    expect(views.get('no-such-job')).toBeNull();
  });
});
