import type { JobView, Verification, VerificationPolicyView } from '../../../master/api-types.ts';
import { formatCredibility, plural } from './format.ts';

/** What a result's verification means, in one plain sentence. */
export function verificationExplanation({ state, credibility, replicas, reason }: Verification): string {
  // Unverified for a reason of its own (made so after the job was done, or ended at MAX_ANSWERS_PER_JOB): say why.
  if (state === 'unverified' && reason) return `This answer is not verified: ${reason}. Treat it with care.`;
  switch (state) {
    case 'trusted':
      return 'A worker of the operator’s own fleet gave this answer, so it is taken as it is.';
    case 'verified':
      return `${plural(replicas.length, 'volunteer answer')} agreed until this answer was ${formatCredibility(credibility)} likely to be what an honest worker says.`;
    case 'unverified':
      return `${plural(replicas.length, 'volunteer answer')} did not verify it (not enough of those from volunteers that had passed spot checks agreed), and no trusted worker was there to settle it: treat this answer with care.`;
  }
}

/** The badge's words: the state, with the credibility when volunteers earned it. */
export function verificationLabel({ state, credibility }: Verification): string {
  return state === 'verified' ? `verified ${formatCredibility(credibility)}` : state;
}

/**
 * What an unfinished job's votes mean (the master counts them; none on a finished job), e.g. "1 volunteer answer,
 * waiting for another worker to agree"; null when it holds none. On a master where no volunteer can earn a say
 * (`policy.volunteersCanVerify` false) agreement cannot verify it, and it says so.
 */
export function waitingAnswers({ votes, trustedOnly }: JobView, policy: VerificationPolicyView | null): string | null {
  if (votes === 0) return null;
  const answers = plural(votes, 'volunteer answer');
  // Past MAX_REPLICAS a job holding votes goes to the operator's fleet to be settled.
  if (trustedOnly) return `${answers}, waiting for a trusted worker to settle it`;
  if (policy && !policy.volunteersCanVerify)
    return `${answers}; this master runs no spot checks, so volunteers’ answers cannot verify it: it waits for a trusted worker, or ends unverified after ${plural(policy.maxReplicas, 'answer')}`;
  return `${answers}, waiting for another worker to agree`;
}
