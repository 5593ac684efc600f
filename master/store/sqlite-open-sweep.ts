// What a crash or a failing disk left behind in the embedded store, removed when it opens. An upload whose commit could
// not be synced (EIO) is answered as not stored and its images deleted (SqliteJobStore.create), but the commit's pages
// may have reached the write-ahead log, and SQLite brings its rows back at the next open: the job would wait in the
// queue without an image, fail as image-missing, and its client, told it was not stored, may have sent it again.
// Images are synced before their rows are committed, so a job queued, never leased and without an image is such an
// upload (or one whose image was deleted by hand before any lease: it cannot be told apart, and goes too, counted in
// the log line): removed, with its Idempotency-Key (a retry under it is then stored anew). A job leased since whose
// image went (a damaged disk) stays, to fail as image-missing at its next lease for all to see.
import type Database from 'better-sqlite3';
import type { FileImageStore } from '../images/file-image-store.ts';
import type { Logger } from '../log.ts';
import type { SqliteRetention } from './sqlite-retention.ts';

const NEVER_LEASED = `SELECT id FROM jobs WHERE status = 'queued' AND NOT EXISTS (SELECT 1 FROM attempts WHERE attempts.job_id = jobs.id)`;
const FORGET_KEYS = `DELETE FROM idempotency WHERE EXISTS (SELECT 1 FROM json_each(job_ids) WHERE value IN (SELECT value FROM json_each(?)))`;

export function sweepAtOpen(db: Database.Database, images: FileImageStore, retention: SqliteRetention, log: Logger): void {
  removeUnstoredUploads(db, images, log);
  // Files left by a crash between putting images and committing their jobs, or between removing jobs (or expiring
  // their images) and their files; and those of the jobs just removed.
  images.sweepSync((jobId) => retention.imageKept(jobId));
}

function removeUnstoredUploads(db: Database.Database, images: FileImageStore, log: Logger): void {
  const unstored: string[] = [];
  for (const id of db.prepare<[], string>(NEVER_LEASED).pluck().iterate()) if (!images.hasSync(id)) unstored.push(id);
  if (unstored.length === 0) return;
  const deleteJob = db.prepare<[string]>(`DELETE FROM jobs WHERE id = ?`);
  db.transaction(() => {
    for (const id of unstored) deleteJob.run(id);
    db.prepare<[string]>(FORGET_KEYS).run(JSON.stringify(unstored));
  })();
  log.warn(
    { count: unstored.length },
    'removed queued jobs never leased and without an image: uploads reported not stored (their commit failed to sync) that SQLite brought back',
  );
}
