// Identities in their own SQLite file in the data dir (identities.sqlite), apart from the jobs.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { preparedOnce } from '../store/prepared-once.ts';
import { afterBlacklisting, afterSpotCheck, survivalOf, type SurvivalCounts, type SurvivalField } from '../trust/survival.ts';
import { NO_TRUST_COUNTS, trustRecordOf, type IdentityStore, type TrustRecord } from './identity-store.ts';

interface TrustRow {
  spot_checks_passed: number;
  spot_checks_failed: number;
  answers_judged: number;
  answers_outvoted: number;
  blacklisted_reason: string | null;
}

const TRUST_COLUMNS = 'spot_checks_passed, spot_checks_failed, answers_judged, answers_outvoted, blacklisted_reason';

const recordOf = (row: TrustRow | undefined): TrustRecord =>
  row
    ? trustRecordOf(
        {
          spotChecksPassed: row.spot_checks_passed,
          spotChecksFailed: row.spot_checks_failed,
          answersJudged: row.answers_judged,
          answersOutvoted: row.answers_outvoted,
        },
        row.blacklisted_reason,
      )
    : trustRecordOf(NO_TRUST_COUNTS, null);

export class SqliteIdentityStore implements IdentityStore {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof preparedOnce>;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, 'identities.sqlite'));
    this.sql = preparedOnce(this.db);
    this.db.pragma('journal_mode = WAL');
    // Counts are written on every volunteer answer, on the event loop: synced lazily (a power cut may lose the last
    // few, leaving a volunteer less credible than it was). A revocation is synced at once (durably).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS identity_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS revoked_workers (worker_id TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL);
      -- One row per identity that answered a gold job or was blacklisted.
      CREATE TABLE IF NOT EXISTS worker_trust (
        worker_id TEXT PRIMARY KEY,
        spot_checks_passed INTEGER NOT NULL DEFAULT 0,
        spot_checks_failed INTEGER NOT NULL DEFAULT 0,
        answers_judged INTEGER NOT NULL DEFAULT 0,
        answers_outvoted INTEGER NOT NULL DEFAULT 0,
        blacklisted_reason TEXT
      );
      -- How long saboteurs last (trust/survival.ts): per bucket of passed spot checks, identities that reached it and were caught at it.
      CREATE TABLE IF NOT EXISTS identity_survival (
        bucket INTEGER PRIMARY KEY,
        reached INTEGER NOT NULL DEFAULT 0,
        caught INTEGER NOT NULL DEFAULT 0
      );
    `);
    // A store made before answers were judged gets their counts.
    const columns = new Set((this.db.prepare(`PRAGMA table_info(worker_trust)`).all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('answers_judged')) {
      this.db.exec(`ALTER TABLE worker_trust ADD COLUMN answers_judged INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE worker_trust ADD COLUMN answers_outvoted INTEGER NOT NULL DEFAULT 0;`);
    }
  }

  async secretOr(candidate: string): Promise<string> {
    this.sql(`INSERT OR IGNORE INTO identity_settings (key, value) VALUES ('secret', ?)`).run(candidate);
    return this.sql(`SELECT value FROM identity_settings WHERE key = 'secret'`).pluck().get() as string;
  }

  async isRevoked(workerId: string): Promise<boolean> {
    return this.sql(`SELECT 1 FROM revoked_workers WHERE worker_id = ?`).get(workerId) !== undefined;
  }

  async revoke(workerId: string): Promise<void> {
    this.sql(`INSERT OR IGNORE INTO revoked_workers (worker_id, revoked_at) VALUES (?, ?)`).run(workerId, Date.now());
    this.durably();
  }

  async recordSpotCheck(workerId: string, passed: boolean): Promise<TrustRecord> {
    return this.db.transaction(() => {
      const record = this.count(workerId, [passed ? 'spot_checks_passed' : 'spot_checks_failed']);
      this.countSurvival(afterSpotCheck(record, passed));
      return record;
    })();
  }

  async recordJudgedAnswer(workerId: string, outvoted: boolean): Promise<TrustRecord> {
    return this.count(workerId, outvoted ? ['answers_judged', 'answers_outvoted'] : ['answers_judged']);
  }

  async trustRecord(workerId: string): Promise<TrustRecord> {
    return this.recordNow(workerId);
  }

  private recordNow(workerId: string): TrustRecord {
    return recordOf(this.sql(`SELECT ${TRUST_COLUMNS} FROM worker_trust WHERE worker_id = ?`).get(workerId) as TrustRow | undefined);
  }

  async blacklist(workerId: string, reason: string): Promise<boolean> {
    const first = this.db.transaction(() => {
      const before = this.recordNow(workerId);
      if (!before.blacklisted) this.countSurvival(afterBlacklisting(before));
      this.sql(
        `INSERT INTO worker_trust (worker_id, blacklisted_reason) VALUES (?, ?)
           ON CONFLICT (worker_id) DO UPDATE SET blacklisted_reason = COALESCE(blacklisted_reason, excluded.blacklisted_reason)`,
      ).run(workerId, reason);
      this.sql(`INSERT OR IGNORE INTO revoked_workers (worker_id, revoked_at) VALUES (?, ?)`).run(workerId, Date.now());
      return !before.blacklisted;
    })();
    this.durably();
    return first;
  }

  async survival(): Promise<SurvivalCounts> {
    const rows = this.sql(`SELECT bucket, reached, caught FROM identity_survival`).all() as { bucket: number; reached: number; caught: number }[];
    return survivalOf(rows.flatMap(({ bucket, reached, caught }) => [['reached', bucket, reached] as const, ['caught', bucket, caught] as const]));
  }

  private countSurvival(bumps: [SurvivalField, number][]): void {
    for (const [field, bucket] of bumps) {
      this.sql(`INSERT INTO identity_survival (bucket, ${field}) VALUES (?, 1) ON CONFLICT (bucket) DO UPDATE SET ${field} = ${field} + 1`).run(bucket);
    }
  }

  /** Syncs what is committed: with synchronous NORMAL, a checkpoint syncs the write-ahead log first. */
  private durably(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** Adds one to each of these columns of the identity's record, in one statement; returns the record after it. */
  private count(workerId: string, columns: (keyof TrustRow)[]): TrustRecord {
    const row = this.sql(
      `INSERT INTO worker_trust (worker_id, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '1').join(', ')})
         ON CONFLICT (worker_id) DO UPDATE SET ${columns.map((column) => `${column} = ${column} + 1`).join(', ')}
         RETURNING ${TRUST_COLUMNS}`,
    ).get(workerId) as TrustRow;
    return recordOf(row);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
