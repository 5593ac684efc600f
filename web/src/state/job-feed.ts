import type { JobStatus, JobView, WorkerView } from '../../../master/api-types.ts';
import { getJob, listJobs, listWorkers } from '../api.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { errorMessage } from '../lib/errors.ts';
import { JobStore } from './job-store.ts';
import { LIVE_EVENT_TYPES, parseLiveEvent } from './live-events.ts';

export type FeedConnection = 'connecting' | 'live' | 'unreachable';

/** How many jobs one snapshot asks for. */
const SNAPSHOT_LIMIT = 100;
const EVENTS_URL = '/api/events';

/**
 * Jobs and workers as the master reports them, kept current by Server-Sent Events.
 * Connected while at least one page holds it; emits "change" whenever anything moves.
 */
export class JobFeed extends EventTarget {
  connection: FeedConnection = 'connecting';
  /** Last failure of a REST call, for the banner; cleared by the next success. */
  error: string | null = null;
  workers: WorkerView[] = [];
  private readonly store = new JobStore();
  private source: EventSource | null = null;
  private holders = 0;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private snapshotStatus: JobStatus | undefined;

  jobs(status?: JobStatus): JobView[] {
    return this.store.list(status);
  }

  job(id: string): JobView | undefined {
    return this.store.get(id);
  }

  subscribe(listener: () => void): () => void {
    this.addEventListener('change', listener);
    if (this.holders++ === 0) this.connect();
    return () => {
      this.removeEventListener('change', listener);
      if (--this.holders === 0) this.disconnect();
    };
  }

  /** Fetches the newest jobs (of one status, if given) and keeps that filter for resyncs after reconnects. */
  async load(status?: JobStatus): Promise<void> {
    this.snapshotStatus = status;
    const mark = this.store.mark();
    await this.attempt(async () => {
      const [page, { workers }] = await Promise.all([listJobs({ status, limit: SNAPSHOT_LIMIT }), listWorkers()]);
      this.store.mergeSnapshot(page.jobs, mark);
      this.workers = workers;
    });
  }

  /** Fetches specific jobs, e.g. ones just submitted, in case their events were missed. */
  async track(ids: readonly string[]): Promise<void> {
    const mark = this.store.mark();
    await this.attempt(async () => {
      const jobs = await Promise.all(ids.map((id) => getJob(id)));
      this.store.mergeSnapshot(jobs, mark);
    });
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
    source.onopen = () => {
      this.failures = 0;
      this.connection = 'live';
      // Events sent while we were away are lost: resync from a snapshot.
      void this.load(this.snapshotStatus);
    };
    source.onerror = () => {
      this.connection = 'unreachable';
      this.changed();
      // While CONNECTING the browser retries by itself; CLOSED (e.g. an HTTP error) is final.
      if (source.readyState === EventSource.CLOSED) this.retryLater();
    };
    for (const name of LIVE_EVENT_TYPES) {
      source.addEventListener(name, (event) => this.onEvent(name, (event as MessageEvent<string>).data));
    }
    this.source = source;
  }

  private retryLater(): void {
    this.disconnect();
    this.retryTimer = setTimeout(() => this.connect(), backoffDelay(this.failures++));
  }

  private disconnect(): void {
    this.source?.close();
    this.source = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private onEvent(name: string, data: string): void {
    const event = parseLiveEvent(name, data);
    if (!event) {
      console.warn(`ignoring malformed "${name}" event`);
      return;
    }
    if (event.type === 'job') this.store.upsert(event.job);
    else if (event.type === 'job-deleted') this.store.remove(event.id);
    else this.workers = event.workers;
    this.changed();
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

/** One feed per tab, shared by the board and the submit page. */
export const jobFeed = new JobFeed();
