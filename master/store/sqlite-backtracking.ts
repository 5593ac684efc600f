// One step of a backtracking walk on the embedded store (SqliteJobStore.reopenAnsweredBy): the next jobs a blacklisted
// identity answered, each done job whose result leaned on it reopened, its answers kept as votes; one whose image has
// expired cannot be asked again, so it stays done and its result says it is not verified. One that would hold
// MAX_ANSWERS_PER_JOB answers goes to trusted workers only; with none connected it would wait for ever, so it stays
// done, unverified, as the verifier ends a job at that limit (the twin of reopen.lua). Runs inside the caller's
// transaction.
import type { JobResult, JobView } from '../api-types.ts';
import type { Backtracking, Limits, Reopened } from './job-store.ts';
import { answerOf, leanedOn, toView, withdrawn, type JobRow } from './job-views.ts';
import type { SqliteRetention } from './sqlite-retention.ts';
import type { Statements } from './sqlite-statements.ts';

export interface BacktrackingStepParts {
  q: Statements;
  limits: Pick<Limits, 'reopenBatch' | 'maxAnswersPerJob'>;
  retention: Pick<SqliteRetention, 'setResult'>;
  view: (jobId: string) => JobView | null;
}

/** Up to limits.reopenBatch jobs the identity answered, after `after`; `next` is where the walk goes on, none when done. */
export function reopenStep(
  { q, limits, retention, view }: BacktrackingStepParts,
  identity: string,
  after: string,
  walk: Backtracking,
): { walked: Reopened; next: string | undefined } {
  const rows = q.answeredBy.all({ identity, after, limit: limits.reopenBatch }) as (JobRow & { walked: string })[];
  const walked: Reopened = { reopened: [], unverified: [] };
  // Read inside the step's transaction: when it commits, not when the walk began.
  const now = walk.now();
  const unverified = (id: string, result: JobResult, reason: string) => {
    retention.setResult(id, JSON.stringify(withdrawn(result, reason)));
    walked.unverified.push(view(id)!);
  };
  for (const row of rows) {
    const result = row.status === 'done' ? toView(row).result : null;
    if (!result || !leanedOn(result, identity)) continue;
    if (row.image_expired_at !== null) {
      unverified(row.id, result, walk.imageExpiredReason);
      continue;
    }
    const votes = { jobId: row.id, resultIdentity: result.workerId ?? null };
    if (!walk.trustedWorkerConnected && q.fullWhenReopened.get({ ...votes, maxAnswers: limits.maxAnswersPerJob }) === 1) {
      unverified(row.id, result, walk.answersFullReason);
      continue;
    }
    q.doneToVote.run({ ...votes, result: JSON.stringify(answerOf(result)) });
    q.reopen.run({ now, error: walk.reason, maxAnswers: limits.maxAnswersPerJob, jobId: row.id });
    walked.reopened.push(view(row.id)!);
  }
  return { walked, next: rows.length === limits.reopenBatch ? rows.at(-1)!.walked : undefined };
}
