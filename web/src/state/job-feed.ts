import type { JobStatus, JobView } from '../../../master/api-types.ts';
import { ApiError, clearJobs, deleteJob, eventsRefusal, getJob, retryJob } from '../api.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { errorMessage } from '../lib/errors.ts';
import { JobPaging } from './job-paging.ts';
import { JobStore } from './job-store.ts';
import { LIVE_EVENT_TYPES, parseLiveEvent } from './live-events.ts';
import { ownership } from './owner-claim.ts';
import { SilenceWatch } from './stream-silence.ts';

/** 'refused': the master answers, but turns our live stream away (refusal says why). */
export type FeedConnection = 'connecting' | 'live' | 'unreachable' | 'refused';

const EVENTS_URL = '/api/events';
/**
 * Live events are gathered for this long before views re-render: a busy grid sends hundreds
 * a second, and one render per event would be work nobody can see.
 */
const CHANGE_BATCH_MS = 50;

/**
 * Jobs, and how many workers are connected, as the master reports them, kept current by Server-Sent Events: the live
 * stream, its events and the batching of the changes they make. The jobs' pages (snapshots, resyncs after missed
 * events, "load older") are job-paging.ts's. Connected while at least one page holds it; emits "change" whenever
 * anything moves.
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
  private readonly store = new JobStore();
  /** The jobs as the master lists them, page by page; live events keep them current. */
  private readonly paging = new JobPaging(this.store, {
    held: () => this.holders > 0,
    reported: (error) => (this.error = error),
    changed: () => this.changed(),
  });
  private source: EventSource | null = null;
  private holders = 0;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** A stream silent too long is dead though the browser thinks it open: it is replaced. */
  private readonly silence = new SilenceWatch(() => this.replaceSilent());
  private changeTimer: ReturnType<typeof setTimeout> | null = null;

  /** The status the board last filtered by (undefined: all): resyncs and "load older" fetch jobs of it. */
  get status(): JobStatus | undefined {
    return this.paging.status;
  }

  /** Cursor of the next older page for the current filter; null once the oldest job is loaded. */
  get olderCursor(): string | null {
    return this.paging.olderCursor;
  }

  get loadingOlder(): boolean {
    return this.paging.loadingOlder;
  }

  /** Whether a list of jobs has arrived yet: before it, a board holding none is loading, not empty. */
  get fetched(): boolean {
    return this.paging.fetched;
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
        this.paging.cancelRetry();
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
    return this.paging.load(status);
  }

  /** Fetches the page of jobs older than those loaded so far, for the current filter. */
  loadOlder(): Promise<void> {
    return this.paging.loadOlder();
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
    this.paging.emptied();
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
        this.paging.cancelRetry();
        void this.paging.resync();
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
        void this.paging.resync();
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
