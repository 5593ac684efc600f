// POST /api/owner: who owns what this client submits, and a new owner key when it has none. A client that
// uploads several requests at once asks here first, so they all get one owner (and its Idempotency-Keys
// stay its own across retries); a browser gets the key as its cookie, a script in the answer.
import { Router } from 'express';
import { submitter } from './job-access.ts';
import { giveOwnerCookie, type Requesters } from './requester.ts';

export function ownerRouter(requesters: Requesters): Router {
  const router = Router();
  router.post('/', (req, res) => {
    const { owner, newKey } = submitter(requesters.of(req), requesters.ownerKeys, requesters.keysRequired);
    if (!newKey) return void res.json({ owner });
    giveOwnerCookie(req, res, newKey);
    res.status(201).json({ owner, ownerKey: newKey });
  });
  return router;
}
