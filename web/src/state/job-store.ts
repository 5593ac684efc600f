import type { JobStatus, JobView } from '../../../master/api-types.ts';

/** Jobs a board keeps in memory; older ones drop off (the REST API still has them). */
export const MAX_KEPT_JOBS = 20_000;

interface Entry {
  /** null once deleted, so a snapshot fetched before the deletion cannot bring it back. */
  job: JobView | null;
  /** When this entry was last written, on the store's own clock. */
  seq: number;
}

/**
 * The board's view of the jobs, merged from two sources that can race: REST snapshots
 * (slow, may be stale on arrival) and live events (always the newest word on a job).
 */
export class JobStore {
  private readonly entries = new Map<string, Entry>();
  /** The live jobs, newest first. Kept sorted on every write so that listing 10,000 jobs never sorts. */
  private readonly sorted: JobView[] = [];
  private clock = 0;

  /** Call before requesting a snapshot; pass the mark to mergeSnapshot. */
  mark(): number {
    return this.clock;
  }

  /** Adds a snapshot, except for jobs a live event updated or deleted after `mark`. */
  mergeSnapshot(jobs: readonly JobView[], mark: number): void {
    for (const job of jobs) {
      const current = this.entries.get(job.id);
      if (current && current.seq > mark) continue;
      this.write(job.id, job, mark);
    }
    this.trim();
  }

  upsert(job: JobView): void {
    this.write(job.id, job, ++this.clock);
    this.trim();
  }

  remove(id: string): void {
    this.write(id, null, ++this.clock);
  }

  /** Deletes every job at once (one by one would shift the sorted list once per job). */
  removeAll(): void {
    const seq = ++this.clock;
    for (const job of this.sorted) this.entries.set(job.id, { job: null, seq });
    this.sorted.length = 0;
  }

  get(id: string): JobView | undefined {
    return this.entries.get(id)?.job ?? undefined;
  }

  /** Whether a live event or action deleted this job. */
  isDeleted(id: string): boolean {
    return this.entries.get(id)?.job === null;
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Newest first, optionally only one status. A fresh array each call, so views see a change. */
  list(status?: JobStatus): JobView[] {
    return status ? this.sorted.filter((job) => job.status === status) : this.sorted.slice();
  }

  private write(id: string, job: JobView | null, seq: number): void {
    const previous = this.entries.get(id)?.job;
    if (previous) this.sorted.splice(this.position(previous), 1);
    this.entries.set(id, { job, seq });
    if (job) this.sorted.splice(this.position(job), 0, job);
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
    if (this.entries.size <= MAX_KEPT_JOBS) return;
    for (const dropped of this.sorted.splice(MAX_KEPT_JOBS)) this.entries.delete(dropped.id);
    // Tombstones go too: a snapshot old enough to revive one is long past.
    for (const [id, entry] of this.entries) if (!entry.job) this.entries.delete(id);
  }
}

// ISO-8601 timestamps from one clock sort correctly as plain strings.
function newestFirst(a: JobView, b: JobView): number {
  return compare(b.submittedAt, a.submittedAt) || compare(b.id, a.id);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
