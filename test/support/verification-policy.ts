// The master's verification policy at its defaults (config.test.ts holds config.ts to the same values), for tests of
// the verifier: each sets only what it tests, and its comments' figures (0.9 for a new identity, 0.959 after one
// check) follow from these.
import type { VerificationPolicy } from '../../master/trust/verification.ts';

export const DEFAULT_VERIFICATION: VerificationPolicy = {
  targetError: 0.001,
  saboteurFraction: 0.1,
  maxReplicas: 5,
  maxAnswersPerJob: 20,
  closeCallMargin: 0.1,
  closeCallMarginFp32: 0.001,
  minChecksToVerify: 1,
  maxVotersPerNetwork: 1,
  maxOutvotedShare: 0.25,
  outvotedMinAnswers: 20,
};
