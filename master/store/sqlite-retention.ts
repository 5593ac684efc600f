// Retention in the embedded store (master/lifecycle/retention.ts says when).
// When a job ended is its finished_at: set when it is done or fails for good,
// cleared when it is retried or reopened, so no other job has one. Two partial
// indexes on it find, oldest ending first, the ended jobs whose image is still
// kept and every ended job: a retention step reads O(batch) rows however many
// jobs are kept. A database written before retention gets the column and the
// indexes at open (creating an index reads the table once).
import type Database from 'better-sqlite3';

/** For a database made before retention; new ones have it in their CREATE TABLE. */
const IMAGE_EXPIRED_COLUMN = `ALTER TABLE jobs ADD COLUMN image_expired_at INTEGER`;

const INDEXES = `
CREATE INDEX IF NOT EXISTS jobs_by_end ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_images_by_end ON jobs (finished_at) WHERE finished_at IS NOT NULL AND image_expired_at IS NULL;
`;

/** Adds what retention needs to a database that lacks it; `jobColumns` are the columns the jobs table has now. */
export function migrateRetention(db: Database.Database, jobColumns: ReadonlySet<string>): void {
  if (!jobColumns.has('image_expired_at')) db.exec(IMAGE_EXPIRED_COLUMN);
  db.exec(INDEXES);
}

/** The reads that find what is due (exported for the test that checks SQLite reads them off the indexes). */
export const DUE_SQL = {
  images: `SELECT id FROM jobs WHERE finished_at IS NOT NULL AND image_expired_at IS NULL AND finished_at <= ? ORDER BY finished_at LIMIT ?`,
  jobs: `SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at <= ? ORDER BY finished_at LIMIT ?`,
};

/** Retention's statements; each WHERE matches its index's, so SQLite reads the index, not the table. Run inside the store's writes. */
export class SqliteRetention {
  private readonly q;

  constructor(db: Database.Database) {
    this.q = {
      imagesDue: db.prepare<[number, number], string>(DUE_SQL.images).pluck(),
      imageExpired: db.prepare<[number, string]>(`UPDATE jobs SET image_expired_at = ? WHERE id = ?`),
      jobsDue: db.prepare<[number, number], string>(DUE_SQL.jobs).pluck(),
      deleteJob: db.prepare<[string]>(`DELETE FROM jobs WHERE id = ?`),
      deleteAttempts: db.prepare<[string]>(`DELETE FROM attempts WHERE job_id = ?`),
      setResult: db.prepare<[string, string]>(`UPDATE jobs SET result = ? WHERE id = ? AND status = 'done'`),
      imageKept: db.prepare<[string], number>(`SELECT 1 FROM jobs WHERE id = ? AND image_expired_at IS NULL`).pluck(),
    };
  }

  /** Whether any job ended by then keeps its image, or any job ended by then at all (a read: most sweeps find nothing and write nothing). */
  anyDue(what: 'images' | 'jobs', endedBy: number): boolean {
    return (what === 'images' ? this.q.imagesDue : this.q.jobsDue).all(endedBy, 1).length > 0;
  }

  /** Marks the images of up to `batch` jobs ended by then, oldest ending first, expired at `now`; answers their ids (the caller deletes the files). */
  expireImages(endedBy: number, now: number, batch: number): string[] {
    const ids = this.q.imagesDue.all(endedBy, batch);
    for (const id of ids) this.q.imageExpired.run(now, id);
    return ids;
  }

  /** Deletes up to `batch` jobs ended by then, oldest ending first, with their attempts; answers their ids (the caller deletes the files). */
  expireJobs(endedBy: number, batch: number): string[] {
    const ids = this.q.jobsDue.all(endedBy, batch);
    for (const id of ids) {
      this.q.deleteJob.run(id);
      this.q.deleteAttempts.run(id);
    }
    return ids;
  }

  /** Rewrites a done job's result (a verification withdrawn when the job could not be reopened). */
  setResult(jobId: string, resultJson: string): void {
    this.q.setResult.run(resultJson, jobId);
  }

  /** Whether the job exists and keeps its image (the files swept at open are the others). */
  imageKept(jobId: string): boolean {
    return this.q.imageKept.get(jobId) !== undefined;
  }
}
