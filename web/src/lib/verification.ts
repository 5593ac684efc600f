import type { AttemptView, JobView, Verification } from '../../../master/api-types.ts';
import { formatCredibility, plural } from './format.ts';

/** What a result's verification means, in one plain sentence. */
export function verificationExplanation({ state, credibility, replicas, reason }: Verification): string {
  // Made unverified after the job was done (its image had expired, so it could not be asked again): say why.
  if (state === 'unverified' && reason) return `This answer was verified once, but ${reason}: treat it with care.`;
  switch (state) {
    case 'trusted':
      return 'A worker of the operator’s own fleet gave this answer, so it is taken as it is.';
    case 'verified':
      return `${plural(replicas.length, 'volunteer answer')} agreed until this answer was ${formatCredibility(credibility)} likely to be what an honest worker says.`;
    case 'unverified':
      return `${plural(replicas.length, 'volunteer answer')} did not agree enough, and no trusted worker was there to settle it: treat this answer with care.`;
  }
}

/** The badge's words: the state, with the credibility when volunteers earned it. */
export function verificationLabel({ state, credibility }: Verification): string {
  return state === 'verified' ? `verified ${formatCredibility(credibility)}` : state;
}

/**
 * Answers an unfinished job holds as votes (none for a finished one), e.g. "1 answer, waiting for
 * another worker to agree"; null when it holds none. A reopened job's earlier "done" answer is a vote too.
 */
export function waitingAnswers(job: JobView, timeline: readonly AttemptView[]): string | null {
  if (job.status === 'done' || job.status === 'failed') return null;
  const answers = timeline.filter((attempt) => attempt.outcome === 'answered' || attempt.outcome === 'done').length;
  return answers === 0 ? null : `${plural(answers, 'answer')}, waiting for another worker to agree`;
}
