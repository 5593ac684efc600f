// Who may do what with a job (README, "Limits and security", has the table):
//   submit  anyone (with API_KEYS set: an API key or the admin token); the submitter owns the jobs
//   see     public board: anyone; private board: the job's owner and the admin (to others it does not exist)
//   change  delete or retry one job: its owner or the admin, on either board (jobs stored before owners
//           existed have none: only the admin; on a private board a job one may not see is not found, jobs-router.ts);
//           clear every job: the admin only (admin.ts)
import type { Config } from '../config.ts';
import type { OwnerKeys } from '../identity/owner-keys.ts';
import { HttpError } from './errors.ts';
import type { Requester } from './requester.ts';

export type Board = Config['board'];

export function maySee(requester: Requester, jobOwner: string | null, board: Board): boolean {
  if (board === 'public' || requester.role === 'admin') return true;
  return requester.role === 'owner' && jobOwner !== null && jobOwner === requester.owner;
}

/** Whose jobs a list shows: every job (undefined), one owner's, or none (null). */
export function visibleOwner(requester: Requester, board: Board): string | undefined | null {
  if (board === 'public' || requester.role === 'admin') return undefined;
  return requester.role === 'owner' ? requester.owner : null;
}

/** Throws 401 to a requester with no credentials, 403 to one who is neither the job's owner nor the admin. */
export function checkMayChange(requester: Requester, job: { id: string; owner: string | null }): void {
  if (requester.role === 'admin') return;
  if (requester.role === 'nobody')
    throw new HttpError(401, 'credentials-required', `changing job ${job.id} needs its owner key or the admin token ("Authorization: Bearer <key>")`);
  if (job.owner === null || job.owner !== requester.owner)
    throw new HttpError(403, 'not-your-job', `job ${job.id} was submitted by someone else; only its owner or the admin may change it`);
}

/** Who will own the jobs a submission creates: the requester, or a new anonymous owner with its new key. */
export function submitter(requester: Requester, ownerKeys: OwnerKeys, keysRequired: boolean): { owner: string; newKey?: string } {
  if (requester.role === 'admin' || (requester.role === 'owner' && (requester.via === 'api-key' || !keysRequired))) return { owner: requester.owner };
  if (keysRequired) throw new HttpError(401, 'api-key-required', 'this master takes submissions only with an API key ("Authorization: Bearer <key>")');
  const issued = ownerKeys.issue();
  return { owner: issued.owner, newKey: issued.key };
}
