// The volunteer ledger in its own SQLite file in the data dir (volunteers.sqlite), apart from the jobs.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { preparedOnce } from '../store/prepared-once.ts';
import { openSqlite, unopenable } from '../store/sqlite-file.ts';
import {
  sortTallies,
  type Contribution,
  type LeaderboardPage,
  type LedgerTotals,
  type Tally,
  type VolunteerLedger,
  type VolunteerStanding,
} from './volunteer-ledger.ts';

interface StandingRow {
  display_name: string | null;
  images: number;
  compute_ms: number;
}

export class SqliteVolunteerLedger implements VolunteerLedger {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof preparedOnce>;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'volunteers.sqlite');
    this.db = openSqlite(file);
    this.sql = preparedOnce(this.db);
    try {
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS volunteers (
          id TEXT PRIMARY KEY,
          display_name TEXT,
          images INTEGER NOT NULL DEFAULT 0,
          compute_ms REAL NOT NULL DEFAULT 0
        );
        -- The leaderboard's order, so a page is read off the index, and ranks counted on it.
        DROP INDEX IF EXISTS volunteers_by_images;
        CREATE INDEX IF NOT EXISTS volunteers_by_rank ON volunteers (images, id);
        CREATE TABLE IF NOT EXISTS volunteer_tallies (
          dimension TEXT NOT NULL,
          key TEXT NOT NULL,
          images INTEGER NOT NULL DEFAULT 0,
          compute_ms REAL NOT NULL DEFAULT 0,
          PRIMARY KEY (dimension, key)
        );
        CREATE TABLE IF NOT EXISTS volunteer_credited (
          job_id TEXT NOT NULL,
          volunteer_id TEXT NOT NULL,
          at INTEGER NOT NULL,
          PRIMARY KEY (job_id, volunteer_id)
        );
        CREATE INDEX IF NOT EXISTS volunteer_credited_by_time ON volunteer_credited (at);
      `);
    } catch (error) {
      this.db.close();
      throw unopenable(error, file);
    }
  }

  async record({ jobId, volunteerId, browser, backend, computeMs }: Contribution, at = Date.now()): Promise<boolean> {
    const add = this.db.transaction((): boolean => {
      const first = this.sql('INSERT OR IGNORE INTO volunteer_credited (job_id, volunteer_id, at) VALUES (?, ?, ?)').run(jobId, volunteerId, at);
      if (first.changes === 0) {
        this.sql('UPDATE volunteer_credited SET at = max(at, ?) WHERE job_id = ? AND volunteer_id = ?').run(at, jobId, volunteerId);
        return false;
      }
      this.sql(
        `INSERT INTO volunteers (id, images, compute_ms) VALUES (?, 1, ?)
                  ON CONFLICT (id) DO UPDATE SET images = images + 1, compute_ms = compute_ms + excluded.compute_ms`,
      ).run(volunteerId, computeMs);
      const tally = this.sql(`INSERT INTO volunteer_tallies (dimension, key, images, compute_ms) VALUES (?, ?, 1, ?)
                                     ON CONFLICT (dimension, key) DO UPDATE SET images = images + 1, compute_ms = compute_ms + excluded.compute_ms`);
      tally.run('browser', browser, computeMs);
      tally.run('backend', backend, computeMs);
      return true;
    });
    return add();
  }

  async forgetCredited(rememberedBy: number, limit: number): Promise<number> {
    return this.sql('DELETE FROM volunteer_credited WHERE rowid IN (SELECT rowid FROM volunteer_credited WHERE at <= ? ORDER BY at LIMIT ?)').run(
      rememberedBy,
      limit,
    ).changes;
  }

  async forgetNames(volunteerIds: readonly string[]): Promise<void> {
    const forget = this.sql('DELETE FROM volunteers WHERE id = ? AND images = 0');
    this.db.transaction(() => volunteerIds.forEach((id) => forget.run(id)))();
  }

  async setDisplayName(volunteerId: string, displayName: string | null): Promise<void> {
    // No name is no row: every page says so at start, and a row for each identity minted would be kept for good.
    if (displayName === null) return void this.sql('UPDATE volunteers SET display_name = NULL WHERE id = ?').run(volunteerId);
    this.sql(`INSERT INTO volunteers (id, display_name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name`).run(
      volunteerId,
      displayName,
    );
  }

  async standing(volunteerId: string): Promise<VolunteerStanding | null> {
    const row = this.sql('SELECT display_name, images, compute_ms FROM volunteers WHERE id = ? AND images > 0').get(volunteerId) as StandingRow | undefined;
    if (!row) return null;
    const { ahead } = this.sql('SELECT COUNT(*) AS ahead FROM volunteers WHERE images > ?').get(row.images) as { ahead: number };
    return { rank: ahead + 1, ...view(row) };
  }

  /**
   * A page read off the index in rank order; ranks counted once for the page's first score and then added up score by
   * score (ties share a rank), not per row over every volunteer ahead: a deep page cost the square of the volunteers.
   */
  async leaderboard(offset: number, limit: number): Promise<LeaderboardPage> {
    const { total } = this.sql('SELECT COUNT(*) AS total FROM volunteers WHERE images > 0').get() as { total: number };
    const rows = this.sql('SELECT display_name, images, compute_ms FROM volunteers WHERE images > 0 ORDER BY images DESC, id DESC LIMIT ? OFFSET ?').all(
      limit,
      offset,
    ) as StandingRow[];
    const countWhere = (condition: string, images: number) =>
      (this.sql(`SELECT COUNT(*) AS n FROM volunteers WHERE images ${condition} ?`).get(images) as { n: number }).n;
    let ahead = rows.length ? countWhere('>', rows[0]!.images) : 0;
    const volunteers = rows.map((row, i) => {
      const previous = rows[i - 1];
      if (previous && previous.images !== row.images) ahead += countWhere('=', previous.images);
      return { rank: ahead + 1, ...view(row) };
    });
    return { total, volunteers };
  }

  async totals(): Promise<LedgerTotals> {
    const rows = this.sql('SELECT dimension, key, images, compute_ms FROM volunteer_tallies').all() as {
      dimension: string;
      key: string;
      images: number;
      compute_ms: number;
    }[];
    const of = (dimension: string): Tally[] =>
      sortTallies(rows.filter((row) => row.dimension === dimension).map((row) => ({ key: row.key, images: row.images, computeMs: row.compute_ms })));
    const byBrowser = of('browser');
    return {
      images: byBrowser.reduce((sum, tally) => sum + tally.images, 0),
      computeMs: byBrowser.reduce((sum, tally) => sum + tally.computeMs, 0),
      byBrowser,
      byBackend: of('backend'),
    };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function view(row: StandingRow): Omit<VolunteerStanding, 'rank'> {
  return { displayName: row.display_name, images: row.images, computeMs: row.compute_ms };
}
