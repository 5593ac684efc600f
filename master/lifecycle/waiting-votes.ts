// A job waiting for another answer is decided again when one of its voters' credibility grows: in credibility-based
// voting an answer is believed as far as its voters are now, not as they were when they answered (Sarmenta 2002).
// A volunteer that passes a spot check may make the votes a waiting job already holds enough, with no further
// identity asked; without it, such a job would wait for a new identity, for ever in a grid whose volunteers had all
// answered it. Each session remembers the newest MAX_WAITING_VOTES jobs it voted on.
import type { JobView } from '../api-types.ts';
import type { WorkerSession } from '../hub/worker-session.ts';
import type { JobStore } from '../store/job-store.ts';
import type { Verifier } from '../trust/verification.ts';

export class WaitingVotes {
  constructor(
    private readonly store: JobStore,
    private readonly verifier: Verifier,
    private readonly maxPerSession: number,
  ) {}

  /** The session's answer to this job was kept as a vote. */
  remember(session: Pick<WorkerSession, 'waitingVotes'>, jobId: string): void {
    session.waitingVotes.push(jobId);
    if (session.waitingVotes.length > this.maxPerSession) session.waitingVotes.shift();
  }

  /**
   * The session's credibility grew: each queued job it voted on is decided again, and settled where its votes are now
   * credible (verified or trusted; never ended unverified here). Answers the jobs settled. A job leased meanwhile is
   * left to its lease, and remembered while it is open; one that holds no vote any more (retried) is forgotten unread.
   */
  async revisit(session: Pick<WorkerSession, 'waitingVotes'>, trustedWorkerConnected: boolean): Promise<JobView[]> {
    const settled: JobView[] = [];
    const open: string[] = [];
    for (const jobId of session.waitingVotes.splice(0)) {
      const job = await this.store.get(jobId);
      if (job?.status === 'leased') open.push(jobId);
      if (job?.status !== 'queued' || job.votes === 0) continue;
      const votes = await this.store.votes(jobId);
      const newest = votes.at(-1);
      // Retried between the two reads: no vote left to settle on.
      if (!newest) continue;
      const decision = await this.verifier.decide(newest, votes.slice(0, -1), trustedWorkerConnected);
      const credible = decision.final && decision.result.verification?.state !== 'unverified';
      const transition = credible
        ? await this.store.settleWaiting(
            jobId,
            votes.map((vote) => vote.leaseId),
            decision.result,
            Date.now(),
          )
        : null;
      if (transition?.applied) settled.push(transition.job);
      else open.push(jobId);
    }
    // Votes remembered while this ran are newer than these, and kept first.
    const room = this.maxPerSession - session.waitingVotes.length;
    if (room > 0) session.waitingVotes.unshift(...open.slice(-room));
    return settled;
  }
}
