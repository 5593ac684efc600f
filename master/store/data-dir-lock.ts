// One master per data directory on the embedded store: a second one would requeue the first one's live leases as
// "master restarted" and sweep away images it had written but not yet committed. The hold is SQLite's exclusive lock
// on DATA_DIR/master.lock (an fcntl lock underneath), which the kernel drops when the process ends, however it ends:
// a master killed with -9 leaves nothing stale behind, unlike a pid file.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { unopenable } from './sqlite-file.ts';
import { StoreFileError } from './store-errors.ts';

/** Another master holds this data directory: this one stops before touching anything in it. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string) {
    super(`DATA_DIR ${path.resolve(dataDir)} is held by another master running on it; stop that master first, or give this one a DATA_DIR of its own`);
    this.name = 'DataDirInUseError';
  }
}

export class DataDirLock {
  private constructor(private readonly db: Database.Database) {}

  /** Holds `dataDir` until release() or the end of the process; throws DataDirInUseError at once if another holds it. */
  static take(dataDir: string): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'master.lock');
    // No waiting: a holder keeps it for its whole life.
    const db = new Database(file, { timeout: 0 });
    try {
      // The lock is kept after the first transaction too; the transaction, never ended, takes it now.
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir);
      // It holds nothing: no backup to restore.
      if (code === 'SQLITE_NOTADB') throw new StoreFileError(`${path.resolve(file)} is not the lock file a master makes; it holds no data: delete it`);
      throw unopenable(error, file);
    }
    return new DataDirLock(db);
  }

  release(): void {
    if (this.db.open) this.db.close();
  }
}
