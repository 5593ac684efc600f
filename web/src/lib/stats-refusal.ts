// On a private board the master keeps its statistics for the admin: they count spot checks, and a volunteer
// reading them after every frame could tell the checks from real jobs. What the stats page says then.
import { ApiError } from '../api.ts';

export interface StatsRefusal {
  message: string;
  /** Whether the admin token would open them: false when the master has none set. */
  tokenHelps: boolean;
}

export function statsRefusal(failure: unknown): StatsRefusal | null {
  if (!(failure instanceof ApiError)) return null;
  if (failure.code === 'admin-token-required')
    return {
      message:
        "Statistics on this board are for its operator: they would let a volunteer tell the master's spot checks from real jobs. If you run this master, enter its admin token.",
      tokenHelps: true,
    };
  if (failure.code === 'admin-disabled')
    return {
      message:
        "Statistics on this board are for its operator, and this master has no admin token set, so they are shown to no one here: they would let a volunteer tell the master's spot checks from real jobs.",
      tokenHelps: false,
    };
  return null;
}
