// Identities in their own SQLite file in the data dir (identities.sqlite), apart from the jobs.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { IdentityStore } from './identity-store.ts';

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

  async close(): Promise<void> {
    this.db.close();
  }
}
