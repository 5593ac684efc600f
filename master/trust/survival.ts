// How long saboteurs have lasted, as seen: for each number k of passed spot checks, how many identities reached
// k and how many of those were blacklisted later. Sarmenta's bound (credibility.ts) assumes at most a share f of
// identities are saboteurs; a saboteur that comes straight back after each blacklisting burns identities far
// faster than an honest volunteer, so among new identities the share can be far above f. The counts show it:
// while identities with k passed checks keep being caught, an identity with k passed checks is not believed
// beyond what they show. Without any caught, nothing changes. Pure math and bookkeeping, no I/O.

/** Identities with this many passed spot checks or more share the last bucket: the counts are 2 × this many numbers. */
export const SURVIVAL_BUCKETS = 64;

/** Per bucket k: identities that reached k passed spot checks, and identities blacklisted with k passed (the last bucket: k or more). */
export interface SurvivalCounts {
  reached: readonly number[];
  caught: readonly number[];
}

export const NO_SURVIVAL: SurvivalCounts = { reached: [], caught: [] };

/** The counts from stored (field, bucket, count) triples, dense: every bucket up to the highest stored one, 0 where none is. */
export function survivalOf(stored: readonly [SurvivalField, number, number][]): SurvivalCounts {
  const length = Math.max(0, ...stored.map(([, bucket]) => bucket + 1));
  const counts = { reached: new Array<number>(length).fill(0), caught: new Array<number>(length).fill(0) };
  for (const [field, bucket, count] of stored) counts[field][bucket] = count;
  return counts;
}

export const bucketOf = (passed: number) => Math.min(passed, SURVIVAL_BUCKETS - 1);

export type SurvivalField = 'reached' | 'caught';

/** The counts to add one to once a spot check is recorded, given the identity's checks after it. */
export function afterSpotCheck({ spotChecksPassed: passed, spotChecksFailed: failed }: SpotChecks, wasPassed: boolean): [SurvivalField, number][] {
  const bumps: [SurvivalField, number][] = [];
  // Its first check: it reached 0 (every identity ever checked has).
  if (passed + failed === 1) bumps.push(['reached', 0]);
  if (wasPassed && passed < SURVIVAL_BUCKETS) bumps.push(['reached', passed]);
  return bumps;
}

/** The counts to add one to when an identity is blacklisted (the first time only), given its checks then. */
export function afterBlacklisting({ spotChecksPassed: passed, spotChecksFailed: failed }: SpotChecks): [SurvivalField, number][] {
  // One never checked (outvoted too often) had not reached 0 yet: it counts there now.
  const unchecked: [SurvivalField, number][] = passed + failed === 0 ? [['reached', 0]] : [];
  return [...unchecked, ['caught', bucketOf(passed)]];
}

interface SpotChecks {
  spotChecksPassed: number;
  spotChecksFailed: number;
}

/** Wilson's score interval at 95%: its lower end, so that a few catches among few identities say little. */
const Z = 1.96;

/**
 * The share of saboteurs among identities that passed this many spot checks, as far as the blacklistings prove it:
 * the lower 95% bound of (caught with at least k passed) / (reached k). 0 when none with k or more was ever caught.
 */
export function observedSaboteurShare({ reached, caught }: SurvivalCounts, passed: number): number {
  const bucket = bucketOf(passed);
  const n = reached[bucket] ?? 0;
  let c = 0;
  for (let k = bucket; k < caught.length; k++) c += caught[k] ?? 0;
  if (n === 0 || c === 0) return 0;
  const p = Math.min(1, c / n);
  const z2 = Z * Z;
  return Math.max(0, (p + z2 / (2 * n) - Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n));
}
