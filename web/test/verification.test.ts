import { describe, expect, it } from 'vitest';
import { verificationExplanation, verificationLabel, waitingAnswers } from '../src/lib/verification.ts';
import { jobView } from '../../test/support/job-view.ts';

const replica = (agreed: boolean) => ({ workerId: 'id', workerClass: 'volunteer' as const, top1: 1, agreed });

describe('verification words', () => {
  it('labels each state, with the credibility only where volunteers earned it', () => {
    expect(verificationLabel({ state: 'trusted', credibility: 1, replicas: [] })).toBe('trusted');
    expect(verificationLabel({ state: 'verified', credibility: 0.9998, replicas: [] })).toBe('verified 99.98%');
    expect(verificationLabel({ state: 'unverified', credibility: 0.47, replicas: [] })).toBe('unverified');
  });

  it('explains each state in one sentence', () => {
    expect(verificationExplanation({ state: 'trusted', credibility: 1, replicas: [replica(true)] })).toMatch(/operator’s own fleet/);
    expect(verificationExplanation({ state: 'verified', credibility: 0.98765, replicas: [replica(true), replica(true)] })).toBe(
      '2 volunteer answers agreed until this answer was 98.8% likely to be what an honest worker says.',
    );
    expect(verificationExplanation({ state: 'unverified', credibility: 0.47, replicas: [replica(true), replica(false)] })).toMatch(
      /^2 volunteer answers did not verify it \(not enough of those from volunteers that had passed spot checks agreed\), and no trusted worker was there/,
    );
    const withdrawn = { state: 'unverified' as const, credibility: 0.9995, replicas: [replica(true)], reason: 'a volunteer it rests on was blacklisted' };
    expect(verificationExplanation(withdrawn)).toBe('This answer is not verified: a volunteer it rests on was blacklisted. Treat it with care.');
  });

  const policy = (volunteersCanVerify: boolean) => ({
    spotChecks: volunteersCanVerify,
    minChecksToVerify: 1,
    volunteersCanVerify,
    maxReplicas: 5,
    targetError: 0.001,
  });

  it('says what the votes an unfinished job holds wait for', () => {
    for (const known of [null, policy(true)]) {
      expect(waitingAnswers(jobView('a'), known)).toBeNull();
      expect(waitingAnswers(jobView('a', { votes: 1 }), known)).toBe('1 volunteer answer, waiting for another worker to agree');
      expect(waitingAnswers(jobView('a', { status: 'leased', votes: 2 }), known)).toBe('2 volunteer answers, waiting for another worker to agree');
      expect(waitingAnswers(jobView('a', { votes: 3, trustedOnly: true }), known)).toBe('3 volunteer answers, waiting for a trusted worker to settle it');
    }
  });

  it('says that agreement cannot verify a job on a master where no volunteer can earn a say', () => {
    expect(waitingAnswers(jobView('a'), policy(false))).toBeNull();
    expect(waitingAnswers(jobView('a', { votes: 1 }), policy(false))).toBe(
      '1 volunteer answer; this master runs no spot checks, so volunteers’ answers cannot verify it: it waits for a trusted worker, or ends unverified after 5 answers',
    );
    expect(waitingAnswers(jobView('a', { votes: 2, trustedOnly: true }), policy(false))).toBe('2 volunteer answers, waiting for a trusted worker to settle it');
  });
});
