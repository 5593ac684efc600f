// Identities in their own SQLite file in the data dir (identities.sqlite), apart from the jobs.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { trustRecordOf, type IdentityStore, type TrustRecord } from './identity-store.ts';

interface TrustRow {
  spot_checks_passed: number;
  spot_checks_failed: number;
  blacklisted_reason: string | null;
}

const recordOf = (row: TrustRow | undefined): TrustRecord =>
  row ? trustRecordOf(row.spot_checks_passed, row.spot_checks_failed, row.blacklisted_reason) : trustRecordOf(0, 0, null);

export class SqliteIdentityStore implements IdentityStore {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, 'identities.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS identity_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS revoked_workers (worker_id TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL);
      -- One row per identity that answered a gold job or was blacklisted.
      CREATE TABLE IF NOT EXISTS worker_trust (
        worker_id TEXT PRIMARY KEY,
        spot_checks_passed INTEGER NOT NULL DEFAULT 0,
        spot_checks_failed INTEGER NOT NULL DEFAULT 0,
        blacklisted_reason TEXT
      );
    `);
  }

  async secretOr(candidate: string): Promise<string> {
    this.db.prepare(`INSERT OR IGNORE INTO identity_settings (key, value) VALUES ('secret', ?)`).run(candidate);
    return this.db.prepare(`SELECT value FROM identity_settings WHERE key = 'secret'`).pluck().get() as string;
  }

  async isRevoked(workerId: string): Promise<boolean> {
    return this.db.prepare(`SELECT 1 FROM revoked_workers WHERE worker_id = ?`).get(workerId) !== undefined;
  }

  async revoke(workerId: string): Promise<void> {
    this.db.prepare(`INSERT OR IGNORE INTO revoked_workers (worker_id, revoked_at) VALUES (?, ?)`).run(workerId, Date.now());
  }

  async recordSpotCheck(workerId: string, passed: boolean): Promise<TrustRecord> {
    const column = passed ? 'spot_checks_passed' : 'spot_checks_failed';
    const row = this.db
      .prepare(
        `INSERT INTO worker_trust (worker_id, ${column}) VALUES (?, 1)
         ON CONFLICT (worker_id) DO UPDATE SET ${column} = ${column} + 1
         RETURNING spot_checks_passed, spot_checks_failed, blacklisted_reason`,
      )
      .get(workerId) as TrustRow;
    return recordOf(row);
  }

  async trustRecord(workerId: string): Promise<TrustRecord> {
    return recordOf(
      this.db.prepare(`SELECT spot_checks_passed, spot_checks_failed, blacklisted_reason FROM worker_trust WHERE worker_id = ?`).get(workerId) as
        TrustRow | undefined,
    );
  }

  async blacklist(workerId: string, reason: string): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO worker_trust (worker_id, blacklisted_reason) VALUES (?, ?)
           ON CONFLICT (worker_id) DO UPDATE SET blacklisted_reason = COALESCE(blacklisted_reason, excluded.blacklisted_reason)`,
        )
        .run(workerId, reason);
      this.db.prepare(`INSERT OR IGNORE INTO revoked_workers (worker_id, revoked_at) VALUES (?, ?)`).run(workerId, Date.now());
    })();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
