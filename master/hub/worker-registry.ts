// The workers connected to this master: the one list the hub adds to, the
// dispatcher deals jobs from, and the lifecycle finds a lease's holder in.
// Boards hear of changes as "workers" events, at most every 250 ms: results
// can arrive thousands of times a second.
import type { WorkerView } from '../api-types.ts';
import type { LiveEvents } from '../events/live-events.ts';
import type { LeaseRef } from '../store/job-store.ts';
import type { WorkerSession } from './worker-session.ts';

const PUBLISH_EVERY_MS = 250;

export class WorkerRegistry {
  private readonly sessions = new Set<WorkerSession>();
  private publishTimer: NodeJS.Timeout | null = null;

  constructor(private readonly events: LiveEvents) {}

  get all(): WorkerSession[] {
    return [...this.sessions];
  }

  get size(): number {
    return this.sessions.size;
  }

  views(): WorkerView[] {
    return this.all.map((session) => session.view());
  }

  add(session: WorkerSession): void {
    this.sessions.add(session);
    this.changed();
  }

  remove(session: WorkerSession): void {
    this.sessions.delete(session);
    this.changed();
  }

  /** The worker holding this lease, if it is connected here. */
  holder(lease: LeaseRef): WorkerSession | undefined {
    for (const session of this.sessions) if (session.holds(lease)) return session;
    return undefined;
  }

  /** The lease of this job a worker here holds, if any. */
  leaseOf(jobId: string): LeaseRef | undefined {
    for (const session of this.sessions) {
      const lease = session.leases.find((held) => held.jobId === jobId);
      if (lease) return lease;
    }
    return undefined;
  }

  /** Something boards show about a worker changed (its credit, a job finished). */
  changed(): void {
    if (this.publishTimer) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      this.events.publish({ type: 'workers', workers: this.views() });
    }, PUBLISH_EVERY_MS);
  }

  stop(): void {
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = null;
  }
}
