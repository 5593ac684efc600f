// What a volunteer's answer can do on this master (GET /api/verification): the board and the worker page
// read it to say, in plain words, what a job holding volunteers' answers waits for.
import { Router } from 'express';
import type { VerificationPolicyView } from '../api-types.ts';
import type { Config } from '../config.ts';

type PolicyConfig = Pick<Config, 'minChecksToVerify' | 'maxReplicas' | 'targetError'>;

export function verificationPolicyView(config: PolicyConfig, spotChecks: boolean): VerificationPolicyView {
  const { minChecksToVerify, maxReplicas, targetError } = config;
  return { spotChecks, minChecksToVerify, volunteersCanVerify: spotChecks || minChecksToVerify === 0, maxReplicas, targetError };
}

export function verificationRouter(policy: VerificationPolicyView): Router {
  const router = Router();
  router.get('/api/verification', (_req, res) => {
    res.json(policy);
  });
  return router;
}
