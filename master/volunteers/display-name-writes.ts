// When a volunteer's display name is written to the ledger (DISPLAY_NAME_WRITE_INTERVAL_MS): at once, then at most
// once an interval per identity and never while its last write is unfinished, the newest name winning. A page
// flipping its name with every message it may send (MAX_WORKER_MESSAGES_PER_SECOND) costs one write an interval, not
// one a message, and a slow ledger cannot make one identity's names pile up writes. A name equal to the one written
// last costs none.
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Logger } from '../log.ts';
import type { VolunteerLedger } from './volunteer-ledger.ts';

/** An identity written to within the interval. */
interface Interval {
  /** The name written at its start; undefined once that write failed. */
  written: string | null | undefined;
  /** The session whose name came last since, if any: written when the interval ends. */
  wanted?: WorkerSession;
  timer?: NodeJS.Timeout;
}

export class DisplayNameWrites {
  private readonly intervals = new Map<string, Interval>();

  constructor(
    private readonly ledger: VolunteerLedger,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Writes the session's display name now, or when its identity's interval ends if a name was written within it. */
  rename(session: WorkerSession): void {
    const interval = this.intervals.get(session.identity.workerId);
    if (interval) interval.wanted = session;
    else this.write(session);
  }

  stop(): void {
    for (const { timer } of this.intervals.values()) clearTimeout(timer);
    this.intervals.clear();
  }

  private write(session: WorkerSession): void {
    const { displayName } = session;
    if (displayName === undefined) return;
    const id = session.identity.workerId;
    const interval: Interval = { written: displayName };
    this.intervals.set(id, interval);
    const finished = this.ledger.setDisplayName(id, displayName).catch((error: unknown) => {
      interval.written = undefined;
      // Not stored: the same name sent again is a change again (the hub ignores a name that changes nothing).
      if (session.displayName === displayName) session.displayName = undefined;
      this.log.warn({ err: error, worker: session.hello.name }, 'could not store a display name');
    });
    interval.timer = setTimeout(() => void finished.then(() => this.end(id, interval)), this.intervalMs).unref();
  }

  private end(id: string, interval: Interval): void {
    if (this.intervals.get(id) !== interval) return; // stopped meanwhile
    this.intervals.delete(id);
    if (interval.wanted && interval.wanted.displayName !== interval.written) this.write(interval.wanted);
  }
}
