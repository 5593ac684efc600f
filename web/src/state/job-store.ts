import type { JobStatus, JobView } from '../../../master/api-types.ts';

/**
 * Jobs a board keeps in memory; those least recently fetched or updated drop off (the REST API
 * still has them).
 */
export const MAX_KEPT_JOBS = 20_000;
/** Deleted jobs a board remembers, besides those a request in flight still needs. */
export const MAX_KEPT_DELETIONS = 20_000;

interface Entry {
  job: JobView;
  /** When this entry was last written, on the store's own clock. */
  seq: number;
}

/**
 * The board's view of the jobs, merged from two sources that can race: REST snapshots
 * (slow, may be stale on arrival) and live events (always the newest word on a job).
 */
export class JobStore {
  /** The live jobs, least recently written first: the order trim() drops them in. */
  private readonly entries = new Map<string, Entry>();
  /** When each deleted job was deleted, oldest first, so a snapshot fetched before cannot bring it back. */
  private readonly deletions = new Map<string, number>();
  /** The live jobs, newest first. Kept sorted on every write so that listing 10,000 jobs never sorts. */
  private readonly sorted: JobView[] = [];
  /** Marks of requests still in flight, with how many requests took each. */
  private readonly pending = new Map<number, number>();
  private clock = 0;

  /** Call before requesting a snapshot; pass the mark to mergeSnapshot, and to release once the request ends. */
  mark(): number {
    this.pending.set(this.clock, (this.pending.get(this.clock) ?? 0) + 1);
    return this.clock;
  }

  /** Call once the request behind `mark` has ended, merged or failed. */
  release(mark: number): void {
    const requests = this.pending.get(mark) ?? 0;
    if (requests > 1) this.pending.set(mark, requests - 1);
    else this.pending.delete(mark);
  }

  /** Adds a snapshot, except for jobs a live event updated or deleted after `mark`. */
  mergeSnapshot(jobs: readonly JobView[], mark: number): void {
    for (const job of jobs) {
      const seq = this.entries.get(job.id)?.seq ?? this.deletions.get(job.id);
      if (seq !== undefined && seq > mark) continue;
      this.write(job, mark);
    }
    this.trim();
  }

  /** Jobs not written since `mark` and not among `fresh`: those a new snapshot does not vouch for. */
  unvouched(mark: number, fresh: ReadonlySet<string>): JobView[] {
    const jobs: JobView[] = [];
    for (const [id, { job, seq }] of this.entries) if (seq <= mark && !fresh.has(id)) jobs.push(job);
    return jobs;
  }

  /** Lets a job go without remembering it as deleted: the master may still have it. */
  forget(id: string): void {
    this.unlist(id);
  }

  upsert(job: JobView): void {
    // Ids are never reused, so a deleted job is gone for good: an event about it after its deletion is stale (a lease
    // the master dealt as the job was being deleted is published after the deletion).
    if (this.deletions.has(job.id)) return;
    this.write(job, ++this.clock);
    this.trim();
  }

  remove(id: string): void {
    this.unlist(id);
    // Taken out first so that the map stays in order of deletion.
    this.deletions.delete(id);
    this.deletions.set(id, ++this.clock);
    this.trim();
  }

  /** Deletes every job at once (one by one would shift the sorted list once per job). */
  removeAll(): void {
    const seq = ++this.clock;
    for (const id of this.entries.keys()) this.deletions.set(id, seq);
    this.entries.clear();
    this.sorted.length = 0;
    this.trim();
  }

  get(id: string): JobView | undefined {
    return this.entries.get(id)?.job;
  }

  /** Whether a live event or action deleted this job. */
  isDeleted(id: string): boolean {
    return this.deletions.has(id);
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Newest first, optionally only one status. A fresh array each call, so views see a change. */
  list(status?: JobStatus): JobView[] {
    return status ? this.sorted.filter((job) => job.status === status) : this.sorted.slice();
  }

  private write(job: JobView, seq: number): void {
    this.unlist(job.id);
    this.deletions.delete(job.id);
    // Set anew, so that the map lists it as the most recently written.
    this.entries.set(job.id, { job, seq });
    this.sorted.splice(this.position(job), 0, job);
  }

  /** Takes a live job out of the store, if it is there. */
  private unlist(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.sorted.splice(this.position(entry.job), 1);
  }

  /** Where `job` is, or would go, in the sorted list (binary search). */
  private position(job: JobView): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (newestFirst(this.sorted[middle]!, job) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private trim(): void {
    // The jobs least recently fetched or updated go, not the oldest: a page of older jobs that
    // a filter or "Load older" just fetched on purpose must stay.
    for (const id of this.entries.keys()) {
      if (this.entries.size <= MAX_KEPT_JOBS) break;
      this.unlist(id);
    }
    // The oldest deletions go, but none newer than a request in flight: its answer could revive the job.
    const oldestMark = Math.min(...this.pending.keys());
    for (const [id, seq] of this.deletions) {
      if (this.deletions.size <= MAX_KEPT_DELETIONS || seq > oldestMark) break;
      this.deletions.delete(id);
    }
  }
}

// ISO-8601 timestamps from one clock sort correctly as plain strings.
export function newestFirst(a: JobView, b: JobView): number {
  return compare(b.submittedAt, a.submittedAt) || compare(b.id, a.id);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
