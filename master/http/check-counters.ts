// Who may read the counters a volunteer could time spot checks by (spot checks given, images sent, job
// transitions and counts, each worker's credibility and checks passed): anyone on a public board, where a check is not
// blind anyway (a job id can be looked up, a check's is on no board); on a private board the admin only.
import type { RequestHandler } from 'express';
import { requireAdmin } from './admin.ts';
import type { Board } from './job-access.ts';
import type { Requester } from './requester.ts';

export function seesCheckCounters(requester: Requester, board: Board): boolean {
  return board === 'public' || requester.role === 'admin';
}

/** Lets everyone through on a public board; on a private one, only the admin token (401 admin-token-required). */
export function checkCountersGuard(board: Board, adminToken: string | undefined): RequestHandler {
  if (board === 'public') return (_req, _res, next) => next();
  return requireAdmin(adminToken);
}
