import type { JobView, Verification } from '../../../master/api-types.ts';
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
      return `${plural(replicas.length, 'volunteer answer')} did not verify it (not enough of those from volunteers that had passed spot checks agreed), and no trusted worker was there to settle it: treat this answer with care.`;
  }
}

/** The badge's words: the state, with the credibility when volunteers earned it. */
export function verificationLabel({ state, credibility }: Verification): string {
  return state === 'verified' ? `verified ${formatCredibility(credibility)}` : state;
}

/**
 * What an unfinished job's votes mean (the master counts them; none on a finished job), e.g. "1 volunteer answer,
 * waiting for another worker to agree"; null when it holds none.
 */
export function waitingAnswers({ votes, trustedOnly }: JobView): string | null {
  if (votes === 0) return null;
  // Past MAX_REPLICAS a job holding votes goes to the operator's fleet to be settled.
  const next = trustedOnly ? 'a trusted worker to settle it' : 'another worker to agree';
  return `${plural(votes, 'volunteer answer')}, waiting for ${next}`;
}
