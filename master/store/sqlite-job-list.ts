// A page of the embedded store's jobs, newest first, filtered by status and owner: the cursor is the page's last
// submission number (seq), so the next page starts below it.
import type Database from 'better-sqlite3';
import type { JobPage } from '../api-types.ts';
import type { ListQuery } from './job-store.ts';
import { toView, type JobRow } from './job-views.ts';

export function listJobs(db: Database.Database, { status, owner, limit, cursor }: ListQuery): JobPage {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (owner !== undefined) {
    where.push('owner = ?');
    params.push(owner);
  }
  if (status) {
    where.push('status = ?');
    params.push(status);
  }
  if (cursor) {
    where.push('seq < ?');
    params.push(Number(cursor));
  }
  const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...params, limit + 1) as JobRow[];
  const page = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? String(page[page.length - 1]!.seq) : null;
  return { jobs: page.map(toView), nextCursor };
}
