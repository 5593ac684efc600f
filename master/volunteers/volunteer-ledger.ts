// Credit for volunteers: every image a volunteer's browser classified and the master accepted, and the
// compute time it took, kept per volunteer id and by browser and backend. Persisted beside the jobs
// (SQLite in the data dir, or Redis), so it survives a master restart.
import type { LeaderboardPage, LedgerTotals, Tally, VolunteerStanding } from '../api-types.ts';

export type { LeaderboardPage, LedgerTotals, Tally, VolunteerStanding };

/** One accepted result, credited to the volunteer whose worker produced it. */
export interface Contribution {
  volunteerId: string;
  browser: string;
  backend: string;
  computeMs: number;
}

export interface VolunteerLedger {
  record(contribution: Contribution): Promise<void>;
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
