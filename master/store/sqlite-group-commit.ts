// Group commit for one SQLite connection: every write asked for in the same
// tick runs in one transaction with one commit, each in its own savepoint so
// one failing write does not undo the others. Durable writes (uploads) make the
// commit wait for fsync: they are acknowledged only once they would survive a
// power cut; the others are synced lazily, since losing the last of them to a
// power cut (not a crash) only redoes work.
import type Database from 'better-sqlite3';
import { unavailableIfLocked } from './sqlite-file.ts';
import { StoreUnavailableError } from './store-errors.ts';

interface PendingWrite {
  change: () => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const closedError = () => new StoreUnavailableError('the job store is closed: the master is stopping');

export class SqliteGroupCommit {
  private pending: PendingWrite[] = [];
  private flushed: Promise<void> = Promise.resolve();
  private closing = false;

  /** `fileName` names the database in the refusal a lock held elsewhere gets. */
  constructor(
    private readonly db: Database.Database,
    private readonly fileName: string,
  ) {}

  /** Runs `change` in the next group commit; resolves with what it returned once committed (and synced, when durable). */
  write<T>(change: () => T, { durable = false } = {}): Promise<T> {
    if (this.closing) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ change, durable, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) this.flushed = new Promise((done) => setImmediate(() => done(this.flush())));
    });
  }

  /**
   * Runs `read` on the file now, outside any group commit; once closing, throws what a write is refused with instead: a
   * read must not reach the closed file either, where it would meet a raw "connection is not open" (a 500) instead of
   * the 503 a stopping master answers.
   */
  read<T>(read: () => T): T {
    this.refuseIfClosing();
    return read();
  }

  /** Throws what a write is refused with once closing: for a caller to refuse before work the write would undo. */
  refuseIfClosing(): void {
    if (this.closing) throw closedError();
  }

  /**
   * Refuses writes from now on and resolves once the writes already asked for are committed: a request still in
   * flight (an upload being checked) may ask for one later, and it must not run on a closed file.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.flushed;
  }

  private flush(): void {
    const batch = this.pending.splice(0);
    const durable = batch.some((write) => write.durable);
    const outcomes: Outcome[] = [];
    const runAll = this.db.transaction(() => {
      for (const write of batch) {
        try {
          outcomes.push({ ok: true, value: this.db.transaction(write.change)() });
        } catch (error) {
          // SQLite undid the whole transaction (an I/O error; a full disk, at times): nothing of the batch stands, and
          // a write after it would commit on its own while reported failed with the rest.
          if (!this.db.inTransaction) throw error;
          outcomes.push({ ok: false, error });
        }
      }
    });
    try {
      if (durable) this.db.pragma('synchronous = FULL');
      runAll.immediate();
      batch.forEach((write, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) write.resolve(outcome.value);
        else write.reject(outcome.error);
      });
    } catch (error) {
      // BEGIN IMMEDIATE refused (another program holds the write lock), or the transaction undone: nothing of the batch was written.
      const failed = unavailableIfLocked(error, this.fileName);
      for (const write of batch) write.reject(failed);
    } finally {
      if (durable) this.db.pragma('synchronous = NORMAL');
    }
  }
}
