// How the master opens each of its SQLite files (jobs, identities, volunteers), and what another program's lock on
// one means for a call.
import path from 'node:path';
import Database from 'better-sqlite3';
import { storageFailureCause } from './storage-failure.ts';
import { StoreFileError, StoreUnavailableError } from './store-errors.ts';

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
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    return db;
  } catch (error) {
    db?.close();
    throw unopenable(error, file);
  }
}

/**
 * What went wrong opening `file` (reading it, making or updating its tables), in plain words naming it and what to
 * do: StoreFileError, which stops the master at start with one line. Any other error, a bug, as it is.
 */
export function unopenable(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const reason = (error as Error).message;
  file = path.resolve(file);
  if (/^SQLITE_(NOTADB|CORRUPT)/.test(code))
    return new StoreFileError(
      `${file} is not a readable SQLite database (${reason}): restore it from a backup, or move it aside to start without what it held`,
    );
  if (storageFailureCause(error) !== undefined)
    return new StoreFileError(`${file} cannot be opened or written (${reason}): check the disk, and that the master may read and write it and its folder`);
  if (isLocked(error)) return new StoreFileError(`${file} is locked by another program (a backup or a sqlite3 shell?): start the master once it is done`);
  return error;
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
