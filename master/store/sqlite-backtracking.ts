// One step of a backtracking walk on the embedded store (SqliteJobStore.reopenAnsweredBy): the next jobs a blacklisted
// identity answered, each done job whose result leaned on it reopened, its answers kept as votes; one whose image has
// expired cannot be asked again, so it stays done and its result says it is not verified. Runs inside the caller's
// transaction.
import type { JobView } from '../api-types.ts';
import type { Limits, Reopened } from './job-store.ts';
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
  reason: string,
  unverifiedReason: string,
): { walked: Reopened; next: string | undefined } {
  const rows = q.answeredBy.all({ identity, after, limit: limits.reopenBatch }) as (JobRow & { walked: string })[];
  const walked: Reopened = { reopened: [], unverified: [] };
  for (const row of rows) {
    const result = row.status === 'done' ? toView(row).result : null;
    if (!result || !leanedOn(result, identity)) continue;
    if (row.image_expired_at !== null) {
      retention.setResult(row.id, JSON.stringify(withdrawn(result, unverifiedReason)));
      walked.unverified.push(view(row.id)!);
      continue;
    }
    q.doneToVote.run({ result: JSON.stringify(answerOf(result)), resultIdentity: result.workerId ?? null, jobId: row.id });
    q.reopen.run(reason, limits.maxAnswersPerJob, row.id);
    walked.reopened.push(view(row.id)!);
  }
  return { walked, next: rows.length === limits.reopenBatch ? rows.at(-1)!.walked : undefined };
}
