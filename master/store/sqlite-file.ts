// How the master opens each of its SQLite files (jobs, identities, volunteers), and what another program's lock on
// one means for a call.
import Database from 'better-sqlite3';
import { StoreUnavailableError } from './store-errors.ts';

/**
 * How long a statement waits on a lock before giving up. The driver is synchronous: the wait blocks the event loop,
 * health checks and every socket included. The master keeps one connection per file and groups its writes on it, so
 * its own writes never wait on each other, and no other master runs on the same data (data-dir-lock.ts): only
 * another program (a backup, a sqlite3 shell) can hold the lock. This rides out its short steps (a checkpoint, a
 * quick write); a lock held longer fails the call at once, as a store that cannot be reached just now.
 */
export const BUSY_TIMEOUT_MS = 50;

/** Opens `file` in WAL mode (readers never wait on the writer) with the short busy timeout. */
export function openSqlite(file: string): Database.Database {
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  return db;
}

/** SQLITE_BUSY or SQLITE_LOCKED (and their extended codes): the file is locked by someone else just now. */
export function isLocked(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/** A lock held elsewhere as StoreUnavailableError (503 + Retry-After; nothing was written); anything else as it is. */
export function unavailableIfLocked(error: unknown, file: string): unknown {
  if (!isLocked(error)) return error;
  return new StoreUnavailableError(`${file} is locked by another program (a backup or a sqlite3 shell?); nothing was written`, { cause: error });
}
