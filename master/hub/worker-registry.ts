// The workers connected to this master: the one list the hub adds to, the
// dispatcher deals jobs from, and the lifecycle finds a lease's holder in.
// Boards hear of changes as coalesced "workers-changed" diffs (the workers that
// changed, the ids that left), at most once an interval: results can arrive
// thousands of times a second, and a full list of thousands of workers each
// time would cost every board megabytes. Each diff carries how many are connected,
// which is all a board shows of them.
import type { LiveEvents } from '../events/live-events.ts';
import type { LeaseRef } from '../store/job-store.ts';
import { ConnectionOrder } from './connection-order.ts';
import type { WorkerSession } from './worker-session.ts';

/** One page of the workers, in the order they connected, and the place after its last when more follow. */
export interface SessionPage {
  sessions: WorkerSession[];
  next: number | null;
}

export class WorkerRegistry {
  /** In the order they connected, each at its place, which pages count from. */
  private readonly sessions = new ConnectionOrder<WorkerSession>();
  private readonly changedSince = new Set<WorkerSession>();
  private readonly leftSince = new Set<string>();
  /** The session holding each lease held here, by lease id: a holder found at once, not by asking every session. */
  private readonly holders = new Map<string, WorkerSession>();
  private publishTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: LiveEvents,
    private readonly publishEveryMs: number,
  ) {}

  get all(): WorkerSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * At most `limit` sessions connected after place `after` (0: from the first), oldest first. A place is never
   * reused, so a walk from page to page lists every worker connected throughout it once, however many leave meanwhile.
   */
  page(after: number, limit: number): SessionPage {
    const { items, next } = this.sessions.page(after, limit);
    return { sessions: items, next };
  }

  add(session: WorkerSession): void {
    this.sessions.add(session);
    for (const { leaseId } of session.leases) this.holders.set(leaseId, session);
    session.leaseWatcher = { held: (leaseId) => this.holders.set(leaseId, session), dropped: (leaseId) => this.holders.delete(leaseId) };
    this.changed(session);
  }

  remove(session: WorkerSession): void {
    if (!this.sessions.remove(session)) return;
    session.leaseWatcher = undefined;
    for (const { leaseId } of session.leases) this.holders.delete(leaseId);
    this.changedSince.delete(session);
    this.leftSince.add(session.id);
    this.publishSoon();
  }

  /** Whether a trusted worker (the operator's fleet) is connected here. */
  hasTrusted(): boolean {
    for (const session of this.sessions.values()) if (session.workerClass === 'trusted') return true;
    return false;
  }

  /** The worker holding this lease, if it is connected here. */
  holder(lease: LeaseRef): WorkerSession | undefined {
    const session = this.holders.get(lease.leaseId);
    return session?.holds(lease) ? session : undefined;
  }

  /** Something boards show about a worker changed (its credit, a job finished). */
  changed(session: WorkerSession): void {
    if (!this.sessions.has(session)) return;
    this.changedSince.add(session);
    this.publishSoon();
  }

  private publishSoon(): void {
    this.publishTimer ??= setTimeout(() => this.publish(), this.publishEveryMs);
  }

  private publish(): void {
    this.publishTimer = null;
    const changed = [...this.changedSince].map((session) => session.view());
    const left = [...this.leftSince];
    this.changedSince.clear();
    this.leftSince.clear();
    this.events.publish({ type: 'workers-changed', changed, left, connected: this.sessions.size });
  }

  stop(): void {
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = null;
  }
}
