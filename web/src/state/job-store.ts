import type { JobStatus, JobView } from '../../../master/api-types.ts';

/** Jobs a board keeps in memory; older ones drop off (the REST API still has them). */
export const MAX_KEPT_JOBS = 1000;

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
      this.entries.set(job.id, { job, seq: mark });
    }
    this.trim();
  }

  upsert(job: JobView): void {
    this.entries.set(job.id, { job, seq: ++this.clock });
    this.trim();
  }

  remove(id: string): void {
    this.entries.set(id, { job: null, seq: ++this.clock });
  }

  get(id: string): JobView | undefined {
    return this.entries.get(id)?.job ?? undefined;
  }

  /** Newest first, optionally only one status. */
  list(status?: JobStatus): JobView[] {
    const jobs: JobView[] = [];
    for (const { job } of this.entries.values()) {
      if (job && (!status || job.status === status)) jobs.push(job);
    }
    return jobs.sort(newestFirst);
  }

  private trim(): void {
    if (this.entries.size <= MAX_KEPT_JOBS) return;
    const kept = new Set(this.list().slice(0, MAX_KEPT_JOBS).map((job) => job.id));
    for (const [id, entry] of this.entries) {
      // Tombstones go too: a snapshot old enough to revive one is long past.
      if (!entry.job || !kept.has(id)) this.entries.delete(id);
    }
  }
}

// ISO-8601 timestamps from one clock sort correctly as plain strings.
function newestFirst(a: JobView, b: JobView): number {
  return compare(b.submittedAt, a.submittedAt) || compare(b.id, a.id);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
