// POST /api/owner: who owns what this client submits, and a new owner key when it has none. A client that
// uploads several requests at once asks here first, so they all get one owner (and its Idempotency-Keys
// stay its own across retries); a browser gets the key as its cookie, a script in the answer. The answer also
// carries the upload size limits, so a client can refuse a file the master would refuse (413) without sending it.
import { Router } from 'express';
import type { Config } from '../config.ts';
import { submitter } from './job-access.ts';
import { giveOwnerCookie, type Requesters } from './requester.ts';

export function ownerRouter(requesters: Requesters, limits: Pick<Config, 'maxUploadBytes' | 'maxUploadRequestBytes'>): Router {
  const router = Router();
  const uploadLimits = { maxUploadBytes: limits.maxUploadBytes, maxUploadRequestBytes: limits.maxUploadRequestBytes };
  router.post('/', (req, res) => {
    const { owner, newKey } = submitter(requesters.of(req), requesters.ownerKeys, requesters.keysRequired);
    if (!newKey) return void res.json({ owner, uploadLimits });
    giveOwnerCookie(req, res, newKey);
    res.status(201).json({ owner, ownerKey: newKey, uploadLimits });
  });
  return router;
}
