// metrics:export's tables from fixed snapshots of GET /api/stats: what each cell says must be what the master knows.
import { describe, expect, it } from 'vitest';
import type { StatsView } from '../../master/stats-api-types.ts';
import { statsTables } from '../export.ts';

const EMPTY = { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };

/** A snapshot with only what the tables read; the master's empty window is all zeros (JSON has no NaN). */
function snapshot(overrides: Partial<StatsView> = {}): StatsView {
  return {
    at: '2026-12-07T12:00:07.000Z',
    series: [],
    latencyMs: { queue: EMPTY, inference: { count: 2, mean: 40, p50: 38, p90: 42, p99: 42, max: 42 }, endToEnd: EMPTY },
    histogramsMs: { queue: [], inference: [], endToEnd: [] },
    dispatch: {
      dispatched: 0,
      completed: 0,
      replicasAsked: 0,
      failedAttempts: 0,
      reassigned: { lost: 0, expired: 0 },
      rejected: { 'unknown-job': 0, 'stale-lease': 0, 'not-your-lease': 0 },
    },
    ...overrides,
  } as StatsView;
}

describe('metrics:export tables', () => {
  it('leaves the latency of a stage with no jobs in the window empty, not 0 ms', () => {
    const rows = statsTables(snapshot(), [])['latency.csv']!.rows;
    expect(rows.find((row) => row.stage === 'queue')).toEqual({
      sampledAt: '2026-12-07T12:00:07.000Z',
      stage: 'queue',
      count: 0,
      mean_ms: null,
      p50_ms: null,
      p90_ms: null,
      p99_ms: null,
      max_ms: null,
    });
    expect(rows.find((row) => row.stage === 'inference')).toMatchObject({ count: 2, mean_ms: 40, p50_ms: 38, max_ms: 42 });
  });

  it('says when each point of the series ends: the next one, or the sample for the slot still running', () => {
    const point = (at: string, completed: number) => ({ at, submitted: completed, completed, failed: 0, queued: 0, leased: 0 });
    const stats = snapshot({ series: [point('2026-12-07T12:00:00.000Z', 10), point('2026-12-07T12:00:05.000Z', 4)] });
    const rows = statsTables(stats, [])['series.csv']!;
    expect(rows.columns).toContain('until');
    // The last point's 4 jobs are 2 s' worth, not 5 s'.
    expect(rows.rows.map((row) => [row.at, row.until, row.completed])).toEqual([
      ['2026-12-07T12:00:00.000Z', '2026-12-07T12:00:05.000Z', 10],
      ['2026-12-07T12:00:05.000Z', '2026-12-07T12:00:07.000Z', 4],
    ]);
  });
});
