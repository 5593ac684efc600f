import type { StatsView } from '../../../master/stats-api-types.ts';

/** The master's slot length when the series is too short to tell. */
const DEFAULT_SLOT_SECONDS = 5;

/** Columns ready for a time chart: x in Unix seconds, counts per slot turned into rates per second. */
export interface SeriesColumns {
  times: number[];
  submitted: number[];
  completed: number[];
  failed: number[];
  queued: number[];
  leased: number[];
  slotSeconds: number;
}

export function seriesColumns(series: StatsView['series']): SeriesColumns {
  const times = series.map((point) => Date.parse(point.at) / 1000);
  const slotSeconds = slotLength(times);
  const rate = (count: number) => count / slotSeconds;
  return {
    times,
    submitted: series.map((point) => rate(point.submitted)),
    completed: series.map((point) => rate(point.completed)),
    failed: series.map((point) => rate(point.failed)),
    queued: series.map((point) => point.queued),
    leased: series.map((point) => point.leased),
    slotSeconds,
  };
}

/** How many jobs went through a stage in the last `slots` slots (12 slots of 5 s: the last minute). */
export function recentCount(series: StatsView['series'], key: 'submitted' | 'completed' | 'failed', slots = 12): number {
  return series.slice(-slots).reduce((sum, point) => sum + point[key], 0);
}

/** The typical gap between points (the median, so one missed slot does not skew it). */
function slotLength(times: readonly number[]): number {
  const gaps = times
    .slice(1)
    .map((time, i) => time - times[i]!)
    .filter((gap) => gap > 0)
    .sort((a, b) => a - b);
  return gaps.length > 0 ? gaps[Math.floor(gaps.length / 2)]! : DEFAULT_SLOT_SECONDS;
}
