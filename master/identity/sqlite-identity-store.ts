// Identities in their own SQLite file in the data dir (identities.sqlite), apart from the jobs.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { preparedOnce } from '../store/prepared-once.ts';
import { openSqlite, unopenable } from '../store/sqlite-file.ts';
import { afterBlacklisting, afterSpotCheck, survivalOf, type SurvivalCounts, type SurvivalField } from '../trust/survival.ts';
import { NO_TRUST_COUNTS, trustRecordOf, type Blacklisting, type IdentityStore, type OwedBacktrack, type TrustRecord } from './identity-store.ts';

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
    const file = path.join(dataDir, 'identities.sqlite');
    this.db = openSqlite(file);
    this.sql = preparedOnce(this.db);
    try {
      // Counts are written on every volunteer answer, on the event loop: synced lazily (a power cut may lose the last
      // few, leaving a volunteer less credible than it was). The secret and a revocation are synced at once (durably).
      this.db.pragma('synchronous = NORMAL');
      // One transaction: a store that died between making identity_seen and filling it would never fill it.
      this.db.transaction(() => {
        const seenBefore = this.hasTable('identity_seen');
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
        -- Each answer judged (recordJudgedAnswer), once per (job, identity): whether the newest result went against it.
        CREATE TABLE IF NOT EXISTS judged_answers (
          job_id TEXT NOT NULL,
          worker_id TEXT NOT NULL,
          outvoted INTEGER NOT NULL,
          at INTEGER NOT NULL,
          PRIMARY KEY (job_id, worker_id)
        );
        CREATE INDEX IF NOT EXISTS judged_answers_by_time ON judged_answers (at);
        -- How long saboteurs last (trust/survival.ts): per bucket of passed spot checks, identities that reached it and were caught at it.
        CREATE TABLE IF NOT EXISTS identity_survival (
          bucket INTEGER PRIMARY KEY,
          reached INTEGER NOT NULL DEFAULT 0,
          caught INTEGER NOT NULL DEFAULT 0
        );
        -- Blacklistings whose backtracking is not done yet, under the mark of the latest blacklist call.
        CREATE TABLE IF NOT EXISTS owed_backtracks (worker_id TEXT PRIMARY KEY, mark TEXT NOT NULL);
        -- When each identity was last seen (a hello, or a record written), for forgetIdle.
        CREATE TABLE IF NOT EXISTS identity_seen (worker_id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS identity_seen_by_time ON identity_seen (seen_at);
      `);
        // A store made before identities were forgotten: its identities count as seen now, so they go one max age on.
        if (!seenBefore) {
          this.db
            .prepare(`INSERT OR IGNORE INTO identity_seen SELECT worker_id, ? FROM worker_trust UNION SELECT worker_id, ? FROM revoked_workers`)
            .run(Date.now(), Date.now());
        }
      })();
      // A store made before answers were judged gets their counts.
      const columns = new Set((this.db.prepare(`PRAGMA table_info(worker_trust)`).all() as { name: string }[]).map((c) => c.name));
      if (!columns.has('answers_judged')) {
        this.db.exec(`ALTER TABLE worker_trust ADD COLUMN answers_judged INTEGER NOT NULL DEFAULT 0;
                      ALTER TABLE worker_trust ADD COLUMN answers_outvoted INTEGER NOT NULL DEFAULT 0;`);
      }
    } catch (error) {
      this.db.close();
      throw unopenable(error, file);
    }
  }

  async secretOr(candidate: string): Promise<string> {
    // Synced at once: it signs every owner key and token handed out from now on, which a new one would void.
    if (this.sql(`INSERT OR IGNORE INTO identity_settings (key, value) VALUES ('secret', ?)`).run(candidate).changes > 0) this.durably();
    return this.sql(`SELECT value FROM identity_settings WHERE key = 'secret'`).pluck().get() as string;
  }

  async isRevoked(workerId: string): Promise<boolean> {
    return this.sql(`SELECT 1 FROM revoked_workers WHERE worker_id = ?`).get(workerId) !== undefined;
  }

  async revoke(workerId: string): Promise<void> {
    this.db.transaction(() => {
      this.sql(`INSERT OR IGNORE INTO revoked_workers (worker_id, revoked_at) VALUES (?, ?)`).run(workerId, Date.now());
      this.sighted(workerId);
    })();
    this.durably();
  }

  async seen(workerId: string, at = Date.now()): Promise<void> {
    this.sql(`INSERT INTO identity_seen (worker_id, seen_at) VALUES (?, ?) ON CONFLICT (worker_id) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)`).run(
      workerId,
      at,
    );
  }

  async forgetIdle(seenBy: number, limit: number): Promise<string[]> {
    return this.db.transaction(() => {
      const idle = this.sql(`SELECT worker_id FROM identity_seen WHERE seen_at <= ? ORDER BY seen_at LIMIT ?`).pluck().all(seenBy, limit) as string[];
      for (const workerId of idle) {
        for (const table of ['worker_trust', 'revoked_workers', 'identity_seen']) this.sql(`DELETE FROM ${table} WHERE worker_id = ?`).run(workerId);
      }
      return idle;
    })();
  }

  /** A record written for an identity never seen (revoked by the operator, a store from before sightings) gets a sighting, so it is forgotten in time. */
  private sighted(workerId: string): void {
    this.sql(`INSERT OR IGNORE INTO identity_seen (worker_id, seen_at) VALUES (?, ?)`).run(workerId, Date.now());
  }

  private hasTable(name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
  }

  async recordSpotCheck(workerId: string, passed: boolean): Promise<TrustRecord> {
    return this.db.transaction(() => {
      const before = this.recordNow(workerId);
      if (before.blacklisted) return before;
      const record = this.count(workerId, [passed ? 'spot_checks_passed' : 'spot_checks_failed']);
      this.countSurvival(afterSpotCheck(record, passed));
      return record;
    })();
  }

  async recordJudgedAnswer(workerId: string, jobId: string, outvoted: boolean, at = Date.now()): Promise<TrustRecord> {
    return this.db.transaction(() => {
      const before = this.sql(`SELECT outvoted FROM judged_answers WHERE job_id = ? AND worker_id = ?`).pluck().get(jobId, workerId) as number | undefined;
      this.sql(
        `INSERT INTO judged_answers (job_id, worker_id, outvoted, at) VALUES (?, ?, ?, ?)
           ON CONFLICT (job_id, worker_id) DO UPDATE SET outvoted = excluded.outvoted, at = max(at, excluded.at)`,
      ).run(jobId, workerId, outvoted ? 1 : 0, at);
      if (before === undefined) return this.count(workerId, outvoted ? ['answers_judged', 'answers_outvoted'] : ['answers_judged']);
      // Judged before, by a result since withdrawn: only whether the newest went against it changes.
      if (before === (outvoted ? 1 : 0)) return this.recordNow(workerId);
      return this.count(workerId, ['answers_outvoted'], outvoted ? 1 : -1);
    })();
  }

  async forgetJudged(judgedBy: number, limit: number): Promise<number> {
    return this.sql('DELETE FROM judged_answers WHERE rowid IN (SELECT rowid FROM judged_answers WHERE at <= ? ORDER BY at LIMIT ?)').run(judgedBy, limit)
      .changes;
  }

  async trustRecord(workerId: string): Promise<TrustRecord> {
    return this.recordNow(workerId);
  }

  private recordNow(workerId: string): TrustRecord {
    return recordOf(this.sql(`SELECT ${TRUST_COLUMNS} FROM worker_trust WHERE worker_id = ?`).get(workerId) as TrustRow | undefined);
  }

  async blacklist(workerId: string, reason: string): Promise<Blacklisting> {
    const mark = randomUUID();
    const first = this.db.transaction(() => {
      const before = this.recordNow(workerId);
      if (!before.blacklisted) this.countSurvival(afterBlacklisting(before));
      this.sql(
        `INSERT INTO worker_trust (worker_id, blacklisted_reason) VALUES (?, ?)
           ON CONFLICT (worker_id) DO UPDATE SET blacklisted_reason = COALESCE(blacklisted_reason, excluded.blacklisted_reason)`,
      ).run(workerId, reason);
      this.sql(`INSERT OR IGNORE INTO revoked_workers (worker_id, revoked_at) VALUES (?, ?)`).run(workerId, Date.now());
      this.sql(`INSERT OR REPLACE INTO owed_backtracks (worker_id, mark) VALUES (?, ?)`).run(workerId, mark);
      this.sighted(workerId);
      return !before.blacklisted;
    })();
    this.durably();
    return { first, mark };
  }

  async owedBacktracks(): Promise<OwedBacktrack[]> {
    const rows = this.sql(
      `SELECT owed.worker_id, owed.mark, trust.blacklisted_reason FROM owed_backtracks owed LEFT JOIN worker_trust trust USING (worker_id)`,
    ).all() as { worker_id: string; mark: string; blacklisted_reason: string | null }[];
    return rows.map((row) => ({ workerId: row.worker_id, reason: row.blacklisted_reason ?? 'blacklisted', mark: row.mark }));
  }

  async backtracked(workerId: string, mark: string): Promise<void> {
    this.sql(`DELETE FROM owed_backtracks WHERE worker_id = ? AND mark = ?`).run(workerId, mark);
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

  /** Adds `by` (one, unless said) to each of these columns of the identity's record, in one statement; returns the record after it. */
  private count(workerId: string, columns: (keyof TrustRow)[], by = 1): TrustRecord {
    this.sighted(workerId);
    const row = this.sql(
      `INSERT INTO worker_trust (worker_id, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})
         ON CONFLICT (worker_id) DO UPDATE SET ${columns.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')}
         RETURNING ${TRUST_COLUMNS}`,
    ).get(workerId, ...columns.map(() => by)) as TrustRow;
    return recordOf(row);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
