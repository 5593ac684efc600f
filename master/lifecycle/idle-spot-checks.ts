// Spot checks for volunteers with nothing to do. Checks come with dealt work (GOLD_FRACTION of it), and a volunteer
// alone with jobs it has all answered is dealt nothing: it would wait for ever for the check whose pass settles the
// jobs waiting on its votes (waiting-votes.ts). So a volunteer left with no job it may take while it holds such votes
// gets a spot check at most once per IDLE_SPOT_CHECK_MS since its last one (each spacing drawn up to half as long
// again, so the pace gives nothing away), and only from draws the gold pool has ready: idle volunteers, however
// many, cost the master no encoding beyond the pool's one background encoder.
import type { WorkerSession } from '../hub/worker-session.ts';

export type IdleSession = Pick<WorkerSession, 'workerClass' | 'waitingVotes' | 'idleCheckAfter'>;

export class IdleSpotChecks {
  private wake: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;

  constructor(
    /** IDLE_SPOT_CHECK_MS; 0: none. */
    private readonly intervalMs: number,
    /** Offers the queue (and so idle checks) to workers again. */
    private readonly dispatch: () => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** The session got a spot check (of any kind) at `now`: its next idle one is a spacing away. */
  spaced(session: IdleSession, now: number): void {
    session.idleCheckAfter = now + this.intervalMs * (1 + this.random() / 2);
  }

  /**
   * Of these sessions, dealt nothing now, the volunteers due an idle check: those holding votes that jobs may wait on,
   * a spacing past their last check. Each is spaced again from now, whether it then gets a check or none is ready,
   * and the dispatcher is woken when the next of them is due.
   */
  due<S extends IdleSession>(idle: Iterable<S>, now: number): S[] {
    if (this.intervalMs === 0) return [];
    const due: S[] = [];
    // A session listed twice is due once: the first pass spaces it past now.
    for (const session of idle) {
      if (session.workerClass !== 'volunteer' || session.waitingVotes.length === 0) continue;
      // Idle for the first time: a spacing from now, not a check at once.
      if (session.idleCheckAfter === 0) this.spaced(session, now);
      if (session.idleCheckAfter <= now) {
        due.push(session);
        this.spaced(session, now);
      }
      this.wakeBy(session.idleCheckAfter);
    }
    return due;
  }

  stop(): void {
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    this.wakeAt = Infinity;
  }

  /** One timer for all sessions: the earliest time any is due. */
  private wakeBy(at: number): void {
    if (this.wake && this.wakeAt <= at) return;
    this.stop();
    this.wakeAt = at;
    this.wake = setTimeout(
      () => {
        this.wake = null;
        this.wakeAt = Infinity;
        this.dispatch();
      },
      Math.max(0, at - Date.now()),
    );
    this.wake.unref();
  }
}
