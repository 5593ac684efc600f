import type { JobPage, JobStatus, JobView } from '../../../master/api-types.ts';
import { askedWaitMs, listJobs } from '../api.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { errorMessage } from '../lib/errors.ts';
import { type JobStore, newestFirst } from './job-store.ts';

/** How many jobs the first snapshot asks for (api.ts takes the master's default where it allows fewer). */
const SNAPSHOT_LIMIT = 100;
/** How many older jobs one "load older" asks for. */
const OLDER_PAGE_LIMIT = 200;
/** A resync fetches at most this many pages (the first and older ones) to cover the jobs the feed had loaded; it lets go of older ones. */
const RESYNC_MAX_PAGES = 10;

/** What paging needs of the feed whose store it fills. */
export interface PagingHost {
  /** Whether a page holds the feed: only then is a failed refresh tried again. */
  held(): boolean;
  /** A request for jobs ended: null when it succeeded, else what went wrong, for the banner. */
  reported(error: string | null): void;
  /** Something the views show moved. */
  changed(): void;
}

/**
 * The jobs of a feed as the master lists them, a page at a time, newest first, for one status filter: the newest page,
 * older pages on demand ("load older"), and after missed events a resync that fetches them all anew and drops those
 * the master no longer lists. Live events keep them current in between (job-feed.ts).
 */
export class JobPaging {
  /** Cursor of the next older page for the current filter; null once the oldest job is loaded. */
  olderCursor: string | null = null;
  loadingOlder = false;
  /** Whether a list of jobs has arrived yet: before it, a board holding none is loading, not empty. */
  fetched = false;
  private filter: JobStatus | undefined;
  /** Whether olderCursor belongs to the filter yet. */
  private paged = false;
  /** The fetchNewest running now, and whether another is asked for after it (and whether that one replaces). */
  private refreshing: Promise<void> | null = null;
  private queued: { replace: boolean } | null = null;
  /** Failed refreshes in a row, which size the wait before the next try; and its timer. */
  private refreshFailures = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly host: PagingHost,
  ) {}

  /** The status the board last filtered by (undefined: all): resyncs and "load older" fetch jobs of it. */
  get status(): JobStatus | undefined {
    return this.filter;
  }

  /** Fetches the newest jobs (of one status, if given) and keeps that filter for resyncs and "load older". */
  load(status?: JobStatus): Promise<void> {
    // The same filter keeps the place "load older" reached; a new one starts paging afresh.
    if (status !== this.filter) this.paged = false;
    this.filter = status;
    return this.refresh(false);
  }

  /** After missed events: the newest pages replace what the store holds of the current filter. */
  resync(): Promise<void> {
    return this.refresh(true);
  }

  /** Fetches the page of jobs older than those loaded so far, for the current filter. */
  async loadOlder(): Promise<void> {
    const cursor = this.olderCursor;
    if (!cursor || this.loadingOlder) return;
    const status = this.filter;
    this.loadingOlder = true;
    this.host.changed();
    const mark = this.store.mark();
    try {
      const page = await listJobs({ status, limit: OLDER_PAGE_LIMIT, cursor });
      this.store.mergeSnapshot(page.jobs, mark);
      if (status === this.filter) this.olderCursor = page.nextCursor;
      this.host.reported(null);
    } catch (error) {
      this.host.reported(errorMessage(error));
    }
    this.store.release(mark);
    this.loadingOlder = false;
    this.host.changed();
  }

  /** Every job is gone from the master: there is nothing older to load. */
  emptied(): void {
    this.olderCursor = null;
  }

  /** Drops a failed refresh waiting to be tried again: no page holds the feed, or a resync stands for it. */
  cancelRetry(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
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
    const status = this.filter;
    if (replace) this.paged = false;
    const mark = this.store.mark();
    try {
      const first = await listJobs({ status, limit: SNAPSHOT_LIMIT });
      const page = replace ? await this.reachingHeld(first, status) : first;
      this.store.mergeSnapshot(page.jobs, mark);
      if (!this.paged && status === this.filter) {
        this.olderCursor = page.nextCursor;
        this.paged = true;
      }
      if (replace) this.dropUnlisted(page, status, mark);
      this.fetched = true;
      this.host.reported(null);
      this.refreshFailures = 0;
    } catch (error) {
      this.host.reported(`Could not refresh the board (${errorMessage(error)}); retrying…`);
      this.refreshLater(replace, error);
    }
    this.store.release(mark);
    this.host.changed();
  }

  /** Tries a failed refresh again while a page holds the feed, no sooner than the master asked. */
  private refreshLater(replace: boolean, error: unknown): void {
    if (!this.host.held() || this.refreshTimer) return;
    const asked = askedWaitMs(error);
    this.refreshTimer = setTimeout(
      () => {
        this.refreshTimer = null;
        void this.refresh(replace);
      },
      Math.max(backoffDelay(this.refreshFailures++), asked),
    );
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
}
