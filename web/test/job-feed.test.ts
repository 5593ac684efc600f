import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobPage } from '../../master/api-types.ts';
import { JobFeed } from '../src/state/job-feed.ts';
import { FIRST_WORD_TIMEOUT_MS } from '../src/state/stream-silence.ts';
import { jobView } from '../../test/support/job-view.ts';
import { FakeEventSource } from './fake-event-source.ts';

/**
 * A master the test sets by hand: the newest page of jobs it lists, the older pages by cursor, the paths asked for,
 * how many requests for jobs it still turns away (429), and the most requests for the newest jobs it had at once.
 * It turns every live stream away (429, wait 10 s): this address has as many as it may.
 */
function fakeMaster() {
  const master = {
    page: { jobs: [], nextCursor: null } as JobPage,
    older: new Map<string, JobPage>(),
    asked: [] as string[],
    refusing: 0,
    newestInFlight: 0,
    mostNewestInFlight: 0,
  };
  vi.stubGlobal('fetch', async (path: string) => {
    if (path === '/api/events') {
      const error = { code: 'too-many-event-streams-from-address', message: 'too many live streams from your address' };
      return Response.json({ error }, { status: 429, headers: { 'retry-after': '10' } });
    }
    master.asked.push(path);
    if (master.refusing > 0) {
      master.refusing--;
      return Response.json({ error: { code: 'too-many-requests', message: 'slow down' } }, { status: 429 });
    }
    const cursor = new URL(path, 'http://master').searchParams.get('cursor');
    if (cursor) return Response.json(master.older.get(cursor));
    master.mostNewestInFlight = Math.max(master.mostNewestInFlight, ++master.newestInFlight);
    // Answers a turn later, so that requests sent together are in flight together.
    await new Promise((resolve) => setImmediate(resolve));
    master.newestInFlight--;
    return Response.json(master.page);
  });
  return master;
}

const newestAsked = (master: { asked: string[] }) => master.asked.filter((path) => path === '/api/jobs?limit=100').length;

/** Lets every request and answer in flight finish (setImmediate, which the tests' fake timers leave alone). */
async function settle() {
  for (let round = 0; round < 50; round++) await new Promise((resolve) => setImmediate(resolve));
}

/** A feed held by a page, and the live stream it asked for, not open yet. */
function heldFeed() {
  const feed = new JobFeed();
  const stop = feed.subscribe(() => {});
  return { feed, source: FakeEventSource.all.at(-1)!, stop };
}

/** A feed held by a page, its live stream open and its first snapshot in. */
async function liveFeed() {
  const held = heldFeed();
  held.source.open();
  await settle();
  return held;
}

beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

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

  it('fetches older pages down to the oldest job it had loaded, and drops those gone there too', async () => {
    const master = fakeMaster();
    const oldest = jobView('Z', { status: 'leased', submittedAt: '2025-01-01T00:00:00.000Z' });
    master.page = { jobs: [newer, older, oldest], nextCursor: null };
    const { feed, source, stop } = await liveFeed();

    // B is the newest page now; A was deleted and Z finished while the stream was down; older jobs were never loaded.
    master.page = { jobs: [newer], nextCursor: 'after-B' };
    master.older.set('after-B', { jobs: [{ ...oldest, status: 'done' }], nextCursor: 'after-Z' });
    source.emit({ type: 'resync' });
    await settle();
    expect(feed.job('A')).toBeUndefined();
    expect(feed.job('Z')?.status).toBe('done');
    expect(master.asked.filter((path) => path.includes('cursor=after-Z'))).toEqual([]);
    expect(feed.olderCursor).toBe('after-Z');
    stop();
  });

  it('under a status filter, lets go of a job no longer listed with that status without calling it deleted', async () => {
    const master = fakeMaster();
    master.page = { jobs: [older], nextCursor: null };
    const { feed, source, stop } = await liveFeed();
    await feed.load('leased');

    master.page = { jobs: [], nextCursor: null };
    source.emit({ type: 'resync' });
    await settle();
    expect(feed.job('A')).toBeUndefined();
    expect(feed.isDeleted('A')).toBe(false);
    stop();
  });

  it('fetches the newest jobs once after a master restart: the browser reconnects, then the master says resync', async () => {
    const master = fakeMaster();
    const { stop, source } = await liveFeed();
    master.asked = [];

    // The browser got the stream back by itself, resuming from the last id: replay or "resync" is the master's call.
    source.open();
    await settle();
    expect(master.asked).toEqual([]);
    source.emit({ type: 'resync' });
    await settle();
    expect(master.asked).toEqual(['/api/jobs?limit=100']);
    stop();
  });

  it('fetches the newest jobs one request at a time: asked again meanwhile, once more after', async () => {
    const master = fakeMaster();
    const { stop, source } = await liveFeed();
    master.asked = [];

    for (let i = 0; i < 3; i++) source.emit({ type: 'resync' });
    await settle();
    expect(master.mostNewestInFlight).toBe(1);
    expect(newestAsked(master)).toBe(2);
    stop();
  });

  it('opens a new stream with a resync: a new EventSource resumes from nothing', async () => {
    const master = fakeMaster();
    const { feed, stop } = await liveFeed();
    master.asked = [];

    feed.reopen();
    FakeEventSource.all.at(-1)!.open();
    await settle();
    expect(newestAsked(master)).toBe(1);
    stop();
  });

  it('says it could not refresh and tries again after a backoff until it can', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const master = fakeMaster();
    master.page = { jobs: [older], nextCursor: null };
    const { feed, source, stop } = await liveFeed();

    master.refusing = 1;
    master.page = { jobs: [{ ...older, status: 'done' }], nextCursor: null };
    source.emit({ type: 'resync' });
    await settle();
    expect(feed.error).toMatch(/^Could not refresh the board .*; retrying…$/);
    expect(feed.job('A')?.status).toBe('leased');

    // The longest first backoff (common/backoff.ts: 500 ms, jittered below it).
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    expect(feed.job('A')?.status).toBe('done');
    expect(feed.error).toBeNull();
    stop();
  });

  it('tries a failed refresh again while its live stream is refused, as its banner says', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const master = fakeMaster();
    master.page = { jobs: [older], nextCursor: null };
    const { feed, source, stop } = heldFeed();
    master.refusing = 1;
    await feed.load();
    expect(feed.error).toMatch(/^Could not refresh the board .*; retrying…$/);

    source.fail();
    await settle();
    expect(feed.connection).toBe('refused');
    // Past the longest first backoff (500 ms), well before the stream may be asked for again (10 s).
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    expect(newestAsked(master)).toBe(2);
    expect(feed.job('A')).toBeDefined();
    expect(feed.error).toBeNull();
    stop();
  });

  it('lets the resync of a new stream stand for a failed refresh waiting to be tried again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const master = fakeMaster();
    const { feed, source, stop } = await liveFeed();
    master.asked = [];
    master.refusing = 1;
    source.emit({ type: 'resync' });
    await settle();
    expect(feed.error).not.toBeNull();

    feed.reopen();
    FakeEventSource.all.at(-1)!.open();
    await settle();
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    // The refused one and the new stream's: the backoff's try is not made as well.
    expect(newestAsked(master)).toBe(2);
    expect(feed.error).toBeNull();
    stop();
  });

  it('takes a stream silent for three keepalive intervals for dead: closes it, says unreachable, and opens a new one after a backoff', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const master = fakeMaster();
    const { feed, source, stop } = await liveFeed();
    master.asked = [];
    source.emit({ type: 'keepalive', intervalMs: 1_000 });
    // Anything heard puts the deadline off: a quiet stream that keeps its keepalives is live.
    await vi.advanceTimersByTimeAsync(2_900);
    source.emit({ type: 'keepalive', intervalMs: 1_000 });
    await vi.advanceTimersByTimeAsync(2_900);
    expect([FakeEventSource.all.length, feed.connection]).toEqual([1, 'live']);

    await vi.advanceTimersByTimeAsync(100);
    expect([source.readyState, feed.connection]).toEqual([FakeEventSource.CLOSED, 'unreachable']);
    // The longest first backoff (500 ms); the new stream resyncs, as any new one does.
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeEventSource.all).toHaveLength(2);
    FakeEventSource.all[1]!.open();
    await settle();
    expect([feed.connection, newestAsked(master)]).toEqual(['live', 1]);

    // A new stream that says nothing at all, not even how often it will speak, is dead after the first-word wait.
    await vi.advanceTimersByTimeAsync(FIRST_WORD_TIMEOUT_MS);
    expect(feed.connection).toBe('unreachable');
    stop();
    expect(FakeEventSource.all.every((each) => each.readyState === FakeEventSource.CLOSED)).toBe(true);
  });

  it('past RESYNC_MAX_PAGES, lets go of the older jobs it loaded, and "load older" fetches them fresh', async () => {
    const master = fakeMaster();
    // Twelve jobs, one a page, newest first: J11 … J0.
    const jobs = Array.from({ length: 12 }, (_, i) =>
      jobView(`J${11 - i}`, { status: 'leased', submittedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, 11 - i)).toISOString() }),
    );
    const serve = (list: typeof jobs) => {
      master.page = { jobs: [list[0]!], nextCursor: 'after-0' };
      list.slice(1).forEach((job, i) => master.older.set(`after-${i}`, { jobs: [job], nextCursor: i + 1 < list.length - 1 ? `after-${i + 1}` : null }));
    };
    serve(jobs);
    const { feed, source, stop } = await liveFeed();
    while (feed.olderCursor) await feed.loadOlder();
    expect(feed.size).toBe(12);

    // Every job finished while the stream was down.
    serve(jobs.map((job) => ({ ...job, status: 'done' })));
    source.emit({ type: 'resync' });
    await settle();
    expect(feed.jobs().map((job) => job.status)).toEqual(Array(10).fill('done'));
    expect(feed.olderCursor).toBe('after-9');
    await feed.loadOlder();
    expect(feed.job('J1')?.status).toBe('done');
    stop();
  });
});

describe('JobFeed workers', () => {
  it('shows the count its stream gives, and never fetches the worker list, which may be thousands long', async () => {
    const master = fakeMaster();
    const { feed, source, stop } = heldFeed();
    source.open();
    // The master opens every stream with the count, then every worker change carries it.
    source.emit({ type: 'workers-changed', changed: [], left: [], connected: 2 });
    expect(feed.workersConnected).toBe(2);
    source.emit({ type: 'workers-changed', changed: [], left: ['w1'], connected: 1 });
    expect(feed.workersConnected).toBe(1);

    source.emit({ type: 'resync' });
    await feed.load('done');
    await settle();
    expect(master.asked.filter((path) => path.startsWith('/api/workers'))).toEqual([]);
    expect(feed.workersConnected).toBe(1);
    stop();
  });
});
