import type { JobPage, JobStatus, JobView } from '../../../master/api-types.ts';
import { ApiError, askedWaitMs, clearJobs, deleteJob, eventsRefusal, getJob, listJobs, retryJob } from '../api.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { errorMessage } from '../lib/errors.ts';
import { JobStore, newestFirst } from './job-store.ts';
import { LIVE_EVENT_TYPES, parseLiveEvent } from './live-events.ts';
import { ownership } from './owner-claim.ts';
import { SilenceWatch } from './stream-silence.ts';

/** 'refused': the master answers, but turns our live stream away (refusal says why). */
export type FeedConnection = 'connecting' | 'live' | 'unreachable' | 'refused';

/** How many jobs the first snapshot asks for (api.ts takes the master's default where it allows fewer). */
const SNAPSHOT_LIMIT = 100;
/** How many older jobs one "load older" asks for. */
const OLDER_PAGE_LIMIT = 200;
/** A resync fetches at most this many pages (the first and older ones) to cover the jobs the feed had loaded; it lets go of older ones. */
const RESYNC_MAX_PAGES = 10;
const EVENTS_URL = '/api/events';
/**
 * Live events are gathered for this long before views re-render: a busy grid sends hundreds
 * a second, and one render per event would be work nobody can see.
 */
const CHANGE_BATCH_MS = 50;

/**
 * Jobs, and how many workers are connected, as the master reports them, kept current by Server-Sent Events.
 * Connected while at least one page holds it; emits "change" whenever anything moves.
 */
export class JobFeed extends EventTarget {
  connection: FeedConnection = 'connecting';
  /** Last failure of a REST call, for the banner; cleared by the next success. */
  error: string | null = null;
  /** Why the master turns the live stream away, while it does. */
  refusal: string | null = null;
  /**
   * Workers connected to the master serving the stream (worker changes are not relayed between masters): a stream
   * opens with the count and every worker change carries it, so the board never fetches the list, which may be
   * thousands long.
   */
  workersConnected = 0;
  /** Cursor of the next older page for the current filter; null once the oldest job is loaded. */
  olderCursor: string | null = null;
  loadingOlder = false;
  /** Whether a list of jobs has arrived yet: before it, a board holding none is loading, not empty. */
  fetched = false;
  private readonly store = new JobStore();
  private source: EventSource | null = null;
  private holders = 0;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** A stream silent too long is dead though the browser thinks it open: it is replaced. */
  private readonly silence = new SilenceWatch(() => this.replaceSilent());
  /** The fetchNewest running now, and whether another is asked for after it (and whether that one replaces). */
  private refreshing: Promise<void> | null = null;
  private queued: { replace: boolean } | null = null;
  /** Failed refreshes in a row, which size the wait before the next try; and its timer. */
  private refreshFailures = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private changeTimer: ReturnType<typeof setTimeout> | null = null;
  private snapshotStatus: JobStatus | undefined;
  /** Whether olderCursor belongs to snapshotStatus yet. */
  private paged = false;

  /** The status the board last filtered by (undefined: all): resyncs and "load older" fetch jobs of it. */
  get status(): JobStatus | undefined {
    return this.snapshotStatus;
  }

  jobs(status?: JobStatus): JobView[] {
    return this.store.list(status);
  }

  job(id: string): JobView | undefined {
    return this.store.get(id);
  }

  isDeleted(id: string): boolean {
    return this.store.isDeleted(id);
  }

  get size(): number {
    return this.store.size;
  }

  subscribe(listener: () => void): () => void {
    this.addEventListener('change', listener);
    if (this.holders++ === 0) this.connect();
    return () => {
      this.removeEventListener('change', listener);
      if (--this.holders === 0) {
        this.disconnect();
        this.cancelRefreshRetry();
      }
    };
  }

  /** Opens the live stream anew while a page holds it: the master filters a stream by whom it was opened for. */
  reopen(): void {
    if (this.holders === 0) return;
    this.disconnect();
    this.connect();
  }

  /** Fetches the newest jobs (of one status, if given) and keeps that filter for resyncs after reconnects. */
  load(status?: JobStatus): Promise<void> {
    // The same filter keeps the place "load older" reached; a new one starts paging afresh.
    if (status !== this.snapshotStatus) this.paged = false;
    this.snapshotStatus = status;
    return this.refresh(false);
  }

  /**
   * Runs fetchNewest for the current filter, one at a time: asked again meanwhile, it runs once more after the
   * current one, replacing if any asker wanted that. Answers once the feed is as fresh as asked.
   */
  private refresh(replace: boolean): Promise<void> {
    this.queued = { replace: replace || (this.queued?.replace ?? false) };
    return (this.refreshing ??= this.refreshQueued());
  }

  private async refreshQueued(): Promise<void> {
    try {
      for (let next = this.queued; next; next = this.queued) {
        this.queued = null;
        await this.fetchNewest(next.replace);
      }
    } finally {
      this.refreshing = null;
    }
  }

  /**
   * The newest jobs of the current filter. With `replace` (after missed events) they replace what the feed holds:
   * older pages are fetched too, down to the oldest job it had loaded, and jobs they would list but do not are
   * dropped. A failure leaves the board stale, so it says so and tries again after a backoff.
   */
  private async fetchNewest(replace: boolean): Promise<void> {
    const status = this.snapshotStatus;
    if (replace) this.paged = false;
    const mark = this.store.mark();
    try {
      const first = await listJobs({ status, limit: SNAPSHOT_LIMIT });
      const page = replace ? await this.reachingHeld(first, status) : first;
      this.store.mergeSnapshot(page.jobs, mark);
      if (!this.paged && status === this.snapshotStatus) {
        this.olderCursor = page.nextCursor;
        this.paged = true;
      }
      if (replace) this.dropUnlisted(page, status, mark);
      this.fetched = true;
      this.error = null;
      this.refreshFailures = 0;
    } catch (error) {
      this.error = `Could not refresh the board (${errorMessage(error)}); retrying…`;
      this.refreshLater(replace, error);
    }
    this.store.release(mark);
    this.changed();
  }

  /** Tries a failed refresh again while a page holds the feed, no sooner than the master asked. */
  private refreshLater(replace: boolean, error: unknown): void {
    if (this.holders === 0 || this.refreshTimer) return;
    const asked = askedWaitMs(error);
    this.refreshTimer = setTimeout(
      () => {
        this.refreshTimer = null;
        void this.refresh(replace);
      },
      Math.max(backoffDelay(this.refreshFailures++), asked),
    );
  }

  private cancelRefreshRetry(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  /** `first` and the pages after it, down to the oldest job of `status` the feed holds, as one page. */
  private async reachingHeld(first: JobPage, status: JobStatus | undefined): Promise<JobPage> {
    const held = this.store.list(status).at(-1);
    const jobs = [...first.jobs];
    let cursor = first.nextCursor;
    for (let pages = 1; cursor && held && pages < RESYNC_MAX_PAGES; pages++) {
      const reached = jobs.at(-1);
      if (!reached || newestFirst(reached, held) >= 0) break;
      const page = await listJobs({ status, limit: OLDER_PAGE_LIMIT, cursor });
      jobs.push(...page.jobs);
      cursor = page.nextCursor;
    }
    return { jobs, nextCursor: cursor };
  }

  /**
   * Drops the jobs of `status` that `page` would list, from its newest to its oldest, but does not; and lets go of
   * those older than it reaches (past RESYNC_MAX_PAGES), which nothing vouches for: "load older" fetches them again.
   */
  private dropUnlisted(page: JobPage, status: JobStatus | undefined, mark: number): void {
    const oldest = page.jobs.at(-1);
    // On the last page the snapshot reaches the very first job.
    const inRange = (job: JobView) => page.nextCursor === null || (oldest !== undefined && newestFirst(job, oldest) <= 0);
    for (const job of this.store.unvouched(mark, new Set(page.jobs.map((listed) => listed.id)))) {
      if (status && job.status !== status) continue;
      // Unfiltered, a job listed in range no more is gone; filtered, it may only have another status now.
      if (inRange(job) && !status) this.store.remove(job.id);
      else this.store.forget(job.id);
    }
  }

  /** Fetches the page of jobs older than those loaded so far, for the current filter. */
  async loadOlder(): Promise<void> {
    const cursor = this.olderCursor;
    if (!cursor || this.loadingOlder) return;
    const status = this.snapshotStatus;
    this.loadingOlder = true;
    this.changed();
    const mark = this.store.mark();
    await this.attempt(async () => {
      const page = await listJobs({ status, limit: OLDER_PAGE_LIMIT, cursor });
      this.store.mergeSnapshot(page.jobs, mark);
      if (status === this.snapshotStatus) this.olderCursor = page.nextCursor;
    });
    this.store.release(mark);
    this.loadingOlder = false;
    this.changed();
  }

  /**
   * Fetches specific jobs, e.g. ones just submitted, in case their events were missed. Each on its own:
   * one that fails leaves the others current, and one the master no longer has (404) counts as deleted.
   */
  async track(ids: readonly string[]): Promise<void> {
    const mark = this.store.mark();
    await this.attempt(async () => {
      const results = await Promise.allSettled(ids.map((id) => getJob(id)));
      const found: JobView[] = [];
      let failure: unknown = null;
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') found.push(result.value);
        else if (isGone(result.reason)) this.store.remove(ids[i]!);
        else failure ??= result.reason;
      });
      this.store.mergeSnapshot(found, mark);
      if (failure) throw failure;
    });
    this.store.release(mark);
  }

  /** Takes in a job the feed may not have heard of (one just uploaded); news from events always wins. */
  adopt(job: JobView): void {
    if (this.store.get(job.id) || this.store.isDeleted(job.id)) return;
    this.store.upsert(job);
    this.changedSoon();
  }

  // The actions apply the master's answer at once rather than wait for its event; the event,
  // when it comes, says the same. They throw ApiError for the caller to show.

  async retry(id: string, adminToken?: string): Promise<void> {
    this.store.upsert(await retryJob(id, adminToken));
    this.changed();
  }

  async remove(id: string, adminToken?: string): Promise<void> {
    await deleteJob(id, adminToken);
    this.store.remove(id);
    this.changed();
  }

  /** Deletes every job on the master; answers how many. */
  async clearAll(adminToken: string): Promise<number> {
    const { deleted } = await clearJobs(adminToken);
    this.store.removeAll();
    this.olderCursor = null;
    this.changed();
    return deleted;
  }

  private async attempt(work: () => Promise<void>): Promise<void> {
    try {
      await work();
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
    this.changed();
  }

  private connect(): void {
    const source = new EventSource(EVENTS_URL);
    let opened = false;
    // Kept through the browser's own reconnects too: one that never gets an answer is as lost.
    this.silence.start();
    source.onopen = () => {
      this.silence.heard();
      this.failures = 0;
      this.connection = 'live';
      this.refusal = null;
      this.changed();
      // A new stream heard nothing of what came before it: resync. The browser's own reconnects resume from the
      // last id (the master sends one as a stream opens), and hear "resync" when the master cannot replay the gap.
      // That resync stands for a failed refresh still waiting to be tried again.
      if (!opened) {
        this.cancelRefreshRetry();
        void this.refresh(true);
      }
      opened = true;
    };
    source.onerror = () => {
      // While CONNECTING the browser retries by itself; CLOSED (an HTTP error) is final.
      if (source.readyState === EventSource.CLOSED) {
        void this.retryLater();
        return;
      }
      this.connection = 'unreachable';
      this.changed();
    };
    for (const name of LIVE_EVENT_TYPES) {
      source.addEventListener(name, (event) => {
        this.silence.heard();
        this.onEvent(name, (event as MessageEvent<string>).data);
      });
    }
    this.source = source;
  }

  /** After an HTTP error: says why when the master turned us away, and waits at least as long as it asked. */
  private async retryLater(): Promise<void> {
    this.disconnect();
    const refusal = await eventsRefusal(EVENTS_URL);
    // Meanwhile the last page let go of the feed, or a new one connected it again.
    if (this.holders === 0 || this.source || this.retryTimer) return;
    this.refusal = refusal?.message ?? null;
    this.reconnectLater(refusal ? 'refused' : 'unreachable', refusal?.retryAfterMs ?? 0);
  }

  /** The stream fell silent: a new one after a backoff, as after an error (no refusal to ask for: the master never said no). */
  private replaceSilent(): void {
    this.disconnect();
    this.reconnectLater('unreachable');
  }

  /** Says why the stream is down, and opens a new one after the backoff, no sooner than the master asked. */
  private reconnectLater(connection: 'refused' | 'unreachable', askedMs = 0): void {
    this.connection = connection;
    this.changed();
    this.retryTimer = setTimeout(() => this.connect(), Math.max(backoffDelay(this.failures++), askedMs));
  }

  private disconnect(): void {
    this.source?.close();
    this.source = null;
    this.silence.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private onEvent(name: string, data: string): void {
    const event = parseLiveEvent(name, data);
    if (!event) {
      console.warn(`ignoring malformed "${name}" event`);
      return;
    }
    switch (event.type) {
      case 'job':
        this.store.upsert(event.job);
        break;
      case 'job-deleted':
        this.store.remove(event.id);
        break;
      case 'workers-changed':
        this.workersConnected = event.connected;
        break;
      case 'resync':
        // The master no longer has the events we missed.
        void this.refresh(true);
        return;
      case 'keepalive':
        this.silence.heard(event.intervalMs);
        return;
    }
    this.changedSoon();
  }

  private changedSoon(): void {
    this.changeTimer ??= setTimeout(() => this.changed(), CHANGE_BATCH_MS);
  }

  private changed(): void {
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.changeTimer = null;
    this.dispatchEvent(new Event('change'));
  }
}

const isGone = (error: unknown) => error instanceof ApiError && error.status === 404;

/** One feed per tab, shared by the board, the job page and the submit page. */
export const jobFeed = new JobFeed();
// On a private board a stream opened before this browser had an owner key carries none of its own jobs' events.
ownership.addEventListener('new-owner', () => jobFeed.reopen());
