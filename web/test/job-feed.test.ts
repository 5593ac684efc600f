import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobPage, JobView } from '../../master/api-types.ts';
import { JobFeed } from '../src/state/job-feed.ts';
import { jobView } from '../../test/support/job-view.ts';
import { FakeEventSource } from './fake-event-source.ts';

/** A master the test sets by hand: the newest page of jobs it lists, and what GET /api/jobs/:id answers (404 when unset). */
function fakeMaster() {
  const master = { page: { jobs: [], nextCursor: null } as JobPage, jobs: new Map<string, JobView>() };
  vi.stubGlobal('fetch', async (path: string) => {
    if (path === '/api/workers') return Response.json({ workers: [] });
    const id = /^\/api\/jobs\/([^/?]+)$/.exec(path)?.[1];
    if (id === undefined) return Response.json(master.page);
    const job = master.jobs.get(id);
    return job ? Response.json(job) : Response.json({ error: { code: 'not-found', message: 'no such job' } }, { status: 404 });
  });
  return master;
}

/** Lets every request and answer in flight finish. */
const settle = async () => {
  for (let round = 0; round < 5; round++) await new Promise((resolve) => setTimeout(resolve, 0));
};

/** A feed held by a page, its live stream open and its first snapshot in. */
async function liveFeed() {
  const feed = new JobFeed();
  const stop = feed.subscribe(() => {});
  const source = FakeEventSource.all.at(-1)!;
  source.open();
  await settle();
  return { feed, source, stop };
}

beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

afterEach(() => vi.unstubAllGlobals());

const older = jobView('A', { status: 'leased', submittedAt: '2025-01-01T00:00:01.000Z' });
const newer = jobView('B', { submittedAt: '2025-01-01T00:00:02.000Z' });

describe('JobFeed after missed events', () => {
  it('drops a job deleted meanwhile that the fresh snapshot would have listed', async () => {
    const master = fakeMaster();
    master.page = { jobs: [newer, older], nextCursor: null };
    const { feed, source, stop } = await liveFeed();
    expect(feed.job('A')?.status).toBe('leased');

    master.page = { jobs: [newer], nextCursor: null };
    source.emit({ type: 'resync' });
    await settle();
    expect(feed.job('A')).toBeUndefined();
    expect(feed.job('B')).toBeDefined();
    stop();
  });

  it('reads again the jobs older than the fresh snapshot reaches: deleted ones go, the others are brought up to date', async () => {
    const master = fakeMaster();
    const oldest = jobView('Z', { status: 'leased', submittedAt: '2025-01-01T00:00:00.000Z' });
    master.page = { jobs: [newer, older, oldest], nextCursor: null };
    const { feed, source, stop } = await liveFeed();

    // B is the newest page now; A was deleted and Z finished while the stream was down.
    master.page = { jobs: [newer], nextCursor: 'after-B' };
    master.jobs.set('Z', { ...oldest, status: 'done' });
    source.emit({ type: 'resync' });
    await settle();
    expect(feed.job('A')).toBeUndefined();
    expect(feed.job('Z')?.status).toBe('done');
    stop();
  });

  it('reads again only the most recently written of those older jobs, and lets the rest go without calling them deleted', async () => {
    const master = fakeMaster();
    const olderJobs = Array.from({ length: 101 }, (_, i) => jobView(`old-${i}`, { submittedAt: '2024-01-01T00:00:00.000Z' }));
    master.page = { jobs: [newer, ...olderJobs], nextCursor: null };
    for (const job of olderJobs) master.jobs.set(job.id, job);
    const { feed, source, stop } = await liveFeed();

    master.page = { jobs: [newer], nextCursor: 'after-B' };
    source.emit({ type: 'resync' });
    await settle();
    expect(feed.size).toBe(1 + 100);
    const letGo = olderJobs.find((job) => !feed.job(job.id))!;
    expect(feed.isDeleted(letGo.id)).toBe(false);
    stop();
  });

  it('does the same when the stream reconnects', async () => {
    const master = fakeMaster();
    master.page = { jobs: [newer, older], nextCursor: null };
    const { feed, source, stop } = await liveFeed();

    master.page = { jobs: [newer], nextCursor: null };
    // The browser got the stream back by itself.
    source.open();
    await settle();
    expect(feed.job('A')).toBeUndefined();
    stop();
  });
});

describe('JobFeed workers', () => {
  it('keeps a worker out that left while the worker list was on its way', async () => {
    fakeMaster();
    let answerWorkers!: (response: Response) => void;
    const workers = new Promise<Response>((resolve) => (answerWorkers = resolve));
    const jobsAndJob = globalThis.fetch;
    vi.stubGlobal('fetch', (path: string) => (path === '/api/workers' ? workers : jobsAndJob(path)));
    const feed = new JobFeed();
    const stop = feed.subscribe(() => {});
    const source = FakeEventSource.all[0]!;
    source.open();
    source.emit({ type: 'workers-changed', changed: [], left: ['w1'] });
    answerWorkers(Response.json({ workers: [{ id: 'w1' }] }));
    await settle();
    expect(feed.workers).toEqual([]);
    stop();
  });
});
