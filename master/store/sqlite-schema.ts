// The embedded store's tables, and what a database written by an older master gets once, when it is opened:
// every migration in one place, each adding what the store now reads so older data keeps working.
import type Database from 'better-sqlite3';
import { migrateRetention } from './sqlite-retention.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  file_name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  submitted_at INTEGER NOT NULL,
  queued_at INTEGER,
  started_at INTEGER,
  finished_at INTEGER,
  worker TEXT,
  lease_id TEXT,
  lease_worker TEXT,
  lease_deadline INTEGER,
  lease_trusted INTEGER,
  error TEXT,
  result TEXT,
  owner TEXT,
  trusted_only INTEGER NOT NULL DEFAULT 0,
  image_expired_at INTEGER,
  prepared_type TEXT,
  votes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, seq);
CREATE INDEX IF NOT EXISTS jobs_by_deadline ON jobs (lease_deadline) WHERE status = 'leased';
CREATE TABLE IF NOT EXISTS attempts (
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  lease_id TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  worker_name TEXT NOT NULL,
  backend TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  outcome TEXT NOT NULL,
  reason TEXT,
  identity TEXT NOT NULL DEFAULT '',
  trusted INTEGER NOT NULL DEFAULT 1,
  final INTEGER NOT NULL DEFAULT 0,
  answer TEXT,
  network TEXT,
  PRIMARY KEY (job_id, attempt)
);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, job_ids TEXT NOT NULL, created_at INTEGER NOT NULL, request_digest TEXT);
CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency (created_at);
`;

// Jobs per status, kept by triggers on every insert, delete and status change,
// so counting (admission, /api/health) reads four rows instead of every job.
const COUNTERS = `
CREATE TABLE job_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO job_counts (status, n) SELECT value, 0 FROM json_each('["queued","leased","done","failed"]');
UPDATE job_counts SET n = (SELECT COUNT(*) FROM jobs WHERE jobs.status = job_counts.status);
CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
  UPDATE job_counts SET n = n + 1 WHERE status = NEW.status;
END;
CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
  UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
END;
CREATE TRIGGER job_counts_update AFTER UPDATE OF status ON jobs WHEN OLD.status <> NEW.status BEGIN
  UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
  UPDATE job_counts SET n = n + 1 WHERE status = NEW.status;
END;
`;

// Lists of one owner's jobs (a private board), all or of one status, newest first.
const OWNER_INDEXES = `
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, seq);
CREATE INDEX IF NOT EXISTS jobs_by_owner_status ON jobs (owner, status, seq);
`;

// The jobs an identity answered, to reopen them if it is blacklisted.
const ANSWERS_INDEX = `CREATE INDEX IF NOT EXISTS attempts_by_identity ON attempts (identity, job_id);`;
// The queued jobs a volunteer may take, oldest first: its lease walks these, not the private jobs among them.
const OPEN_QUEUE_INDEX = `CREATE INDEX IF NOT EXISTS jobs_open_queue ON jobs (seq) WHERE status = 'queued' AND trusted_only = 0;`;

/** A job's votes column, as every change that adds or converts a vote sets it: its 'answered' attempts. */
export const VOTES_HELD = `(SELECT COUNT(*) FROM attempts WHERE attempts.job_id = jobs.id AND attempts.outcome = 'answered')`;

const IDENTITY_COLUMNS = `
ALTER TABLE attempts ADD COLUMN identity TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN trusted INTEGER NOT NULL DEFAULT 1;
ALTER TABLE attempts ADD COLUMN final INTEGER NOT NULL DEFAULT 0;
`;

/** Creates the tables of a new database, or brings an older one up to date; safe to run at every open. */
export function migrate(db: Database.Database): void {
  db.exec(SCHEMA);
  // Stores made before keys remembered their request: their keys replay without comparing.
  const idempotencyColumns = db.pragma('table_info(idempotency)') as { name: string }[];
  if (!idempotencyColumns.some((column) => column.name === 'request_digest')) db.exec('ALTER TABLE idempotency ADD COLUMN request_digest TEXT');
  // A store written before the counters existed gets them once, counted from its jobs.
  const hasCounters = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_counts'`).get();
  if (!hasCounters) db.transaction(() => db.exec(COUNTERS))();
  // A store written before identities gets their columns; its attempts count as trusted ones, as they did.
  const attemptColumns = new Set((db.prepare(`PRAGMA table_info(attempts)`).all() as { name: string }[]).map((c) => c.name));
  if (!attemptColumns.has('identity')) db.transaction(() => db.exec(IDENTITY_COLUMNS))();
  // A store written before owners gets the column; its jobs have none, so only the admin may change them.
  const jobColumns = new Set((db.prepare(`PRAGMA table_info(jobs)`).all() as { name: string }[]).map((c) => c.name));
  if (!jobColumns.has('owner')) db.exec('ALTER TABLE jobs ADD COLUMN owner TEXT');
  // A store written before verification gets its columns: its jobs are open to every worker, its attempts hold no votes.
  if (!jobColumns.has('trusted_only')) db.exec('ALTER TABLE jobs ADD COLUMN trusted_only INTEGER NOT NULL DEFAULT 0');
  if (!attemptColumns.has('answer')) db.exec('ALTER TABLE attempts ADD COLUMN answer TEXT');
  // A store written before networks gets the column; its volunteers' attempts count by identity alone, as they did.
  if (!attemptColumns.has('network')) db.exec('ALTER TABLE attempts ADD COLUMN network TEXT');
  // A store written before images were prepared gets the column; its jobs have none, so workers get their originals.
  if (!jobColumns.has('prepared_type')) db.exec('ALTER TABLE jobs ADD COLUMN prepared_type TEXT');
  // A store written before jobs showed their votes gets the column, counted once from the votes its jobs hold.
  if (!jobColumns.has('votes')) {
    db.transaction(() => db.exec(`ALTER TABLE jobs ADD COLUMN votes INTEGER NOT NULL DEFAULT 0; UPDATE jobs SET votes = ${VOTES_HELD};`))();
  }
  // A store written before jobs named their holder's class gets the column; a lease it holds names none.
  if (!jobColumns.has('lease_trusted')) db.exec('ALTER TABLE jobs ADD COLUMN lease_trusted INTEGER');
  // A store written before jobs said when they last went into the queue gets the column; its jobs give their submission.
  if (!jobColumns.has('queued_at')) db.exec('ALTER TABLE jobs ADD COLUMN queued_at INTEGER');
  db.exec(OWNER_INDEXES);
  db.exec(ANSWERS_INDEX);
  db.exec(OPEN_QUEUE_INDEX);
  // A store written before retention gets the column saying when an image expired, and the indexes on the end time.
  migrateRetention(db, jobColumns);
}
