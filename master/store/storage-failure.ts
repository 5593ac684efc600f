// The master could not write to its own disk (full, read-only, out of file
// descriptors, its data directory broken): the server's failure, never the
// client's, and one a client may retry once it is mended. Told apart from
// everything else by the error's code, as Node and better-sqlite3 give it.
/** Node's codes for a write the file system refused, in plain words. */
const FILE_SYSTEM_CAUSES: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'file system read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EMFILE: 'out of file descriptors',
  ENFILE: 'out of file descriptors',
  ENOTDIR: 'a folder of the data directory is not a folder',
  EIO: 'disk I/O error',
};

/** SQLite's (primary) result codes for a database it cannot write; extended codes (SQLITE_IOERR_WRITE) share the primary's words. */
const SQLITE_CAUSES: Record<string, string> = {
  SQLITE_FULL: 'disk full',
  SQLITE_READONLY: 'database read-only',
  SQLITE_PERM: 'permission denied',
  SQLITE_IOERR: 'disk I/O error',
  SQLITE_CANTOPEN: 'database cannot be opened',
};

/** What went wrong, if `error` is a failure of the master's storage; undefined for anything else. */
export function storageFailureCause(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('SQLITE_')) return SQLITE_CAUSES[code.split('_', 2).join('_')];
  return FILE_SYSTEM_CAUSES[code];
}
