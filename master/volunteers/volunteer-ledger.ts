// Credit for volunteers: every image a volunteer's browser classified and the master accepted, and the
// compute time it took, kept per volunteer id and by browser and backend. Persisted beside the jobs
// (SQLite in the data dir, or Redis), so it survives a master restart. A volunteer is credited at most once per
// job: a job verified again (after a blacklisting) ends on the same agreeing answers, and crediting them again
// would let throwaway identities failing checks on purpose farm credit. The ledger remembers which (job,
// volunteer) it credited until retention forgets it, JOB_RETENTION_MS after the last time the job ended on it,
// when the job itself is gone and can end no more.
import type { LeaderboardPage, LedgerTotals, Tally, VolunteerStanding } from '../api-types.ts';

export type { LeaderboardPage, LedgerTotals, Tally, VolunteerStanding };

/** One accepted result, credited to the volunteer whose worker produced it. */
export interface Contribution {
  jobId: string;
  volunteerId: string;
  browser: string;
  backend: string;
  computeMs: number;
}

export interface VolunteerLedger {
  /**
   * Credits the contribution unless this volunteer was credited for this job already; answers whether it did. Either
   * way the ledger remembers the pair as of `at`.
   */
  record(contribution: Contribution, at?: number): Promise<boolean>;
  /** Forgets up to `limit` credited pairs last remembered at `rememberedBy` or earlier, oldest first; answers how many. */
  forgetCredited(rememberedBy: number, limit: number): Promise<number>;
  /**
   * Forgets the rows of these volunteers (identities retention forgot) that hold no credit, a name alone: strangers
   * mint identities and name them, and such a row would otherwise be kept for good. A credited row stays.
   */
  forgetNames(volunteerIds: readonly string[]): Promise<void>;
  /** Sets or clears (null) the name shown for a volunteer. */
  setDisplayName(volunteerId: string, displayName: string | null): Promise<void>;
  /** A volunteer's totals and rank, or null before their first accepted image. */
  standing(volunteerId: string): Promise<VolunteerStanding | null>;
  /** Most images first (equal counts in a fixed order). */
  leaderboard(offset: number, limit: number): Promise<LeaderboardPage>;
  totals(): Promise<LedgerTotals>;
  close(): Promise<void>;
}

/** Tallies sorted for people: most images first. */
export function sortTallies(tallies: Tally[]): Tally[] {
  return tallies.sort((a, b) => b.images - a.images || a.key.localeCompare(b.key));
}
