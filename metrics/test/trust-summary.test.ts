// The trust bench's figures and verdicts from a cell's raw counts.
import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../runner/wilson.ts';
import type { CellRun, CellSpec } from '../trust-cell.ts';
import { errorCell, markdownTable, summarizeCell, verdicts } from '../trust-summary.ts';
import type { IdentityRecord } from '../trust-workers.ts';

function run(overrides: Partial<CellRun> = {}): CellRun {
  return {
    jobs: 400,
    done: 400,
    failed: 0,
    failures: [],
    wrong: 0,
    unverified: 0,
    wrongUnverified: 0,
    wrongByLie: 0,
    wrongUntouched: 0,
    misidentified: 0,
    replicas: 800,
    lastQuarter: { done: 100, replicas: 150 },
    spotChecks: { given: 40, passed: 38, failed: 2 },
    lies: 0,
    flips: 0,
    seconds: 4,
    saboteurIdentities: [],
    unexpectedCloses: 0,
    atStart: { volunteers: 20, settlingAlone: 0 },
    ...overrides,
  };
}
const identity = (answers: number, connectedAt: number, caughtAt?: number): IdentityRecord => ({ workerId: 'w', answers, lies: 0, connectedAt, caughtAt });
const none: CellSpec = { saboteurs: 0, kind: 'naive', rate: 0 };
const thirty: CellSpec = { saboteurs: 0.3, kind: 'colluding', rate: 1 };

describe('trust bench summary', () => {
  it('works out redundancy, overhead, throughput and catch figures from the counts', () => {
    const summary = summarizeCell(
      thirty,
      run({
        done: 398,
        replicas: 995,
        lastQuarter: { done: 99, replicas: 120 },
        wrong: 1,
        seconds: 5,
        saboteurIdentities: [[identity(10, 0, 2000), identity(30, 2000, 5000)], [identity(4, 0)]],
      }),
    );
    expect(summary.meanReplicas).toBeCloseTo(995 / 398, 10);
    expect(summary.meanReplicasLastQuarter).toBeCloseTo(120 / 99, 10);
    expect(summary.spotCheckOverhead).toBe(0.1);
    expect(summary.jobsPerSecond).toBeCloseTo(398 / 5, 10);
    expect(summary.errors).toMatchObject({ successes: 1, trials: 398 });
    expect([summary.caught, summary.identities]).toEqual([2, 3]);
    expect(summary.meanAnswersToCatch).toBe(20);
    expect(summary.meanSecondsToCatch).toBe(2.5);
  });

  it('prints zero errors with the interval they bound, not as a rate of 0', () => {
    expect(errorCell(summarizeCell(none, run()).errors)).toBe('0 / 400 (0.0%–0.95%)');
  });

  it('never prints a nonzero bound as 0: small rates keep two significant digits', () => {
    expect(errorCell(wilsonInterval(0, 8000))).toBe('0 / 8000 (0.0%–0.048%)');
    expect(errorCell(wilsonInterval(4, 8000))).toBe('4 / 8000 (0.019%–0.13%)');
    expect(errorCell(wilsonInterval(10, 400))).toBe('10 / 400 (1.4%–4.5%)');
  });

  it('judges the goals on the worst cell with up to 30% saboteurs and on the no-saboteur cost', () => {
    const reference = { unverified: 100, noSaboteurs: 90 };
    const good = [
      summarizeCell(none, run()),
      summarizeCell(thirty, run({ replicas: 960 })),
      summarizeCell({ ...thirty, saboteurs: 0.5 }, run({ wrong: 40, replicas: 1600 })),
    ];
    const lines = verdicts(good, reference);
    expect(lines[0]).toMatch(/^error rate .*: met — worst cell 0\.00%/);
    expect(lines[1]).toMatch(/: met — at most 2\.40 /);
    expect(lines[2]).toMatch(/: met — 1\.11× .*; volunteer work per job 2\.10× /);
    const bad = verdicts([summarizeCell(thirty, run({ wrong: 1, wrongByLie: 1, replicas: 1200 }))], { unverified: 100, noSaboteurs: 50 });
    expect(bad[0]).toMatch(/NOT met — worst cell 0\.25% .*, 1 of them lies that stood/);
    expect(bad[1]).toMatch(/NOT met — at most 3\.00/);
    expect(bad[2]).toMatch(/NOT met — 2\.00×/);
  });

  it('does not meet a goal whose cells did not finish their jobs, and names them', () => {
    const reference = { unverified: 100, noSaboteurs: 95 };
    const naive: CellSpec = { saboteurs: 0.1, kind: 'naive', rate: 1 };
    const allDone = summarizeCell(thirty, run({ jobs: 300, done: 300, replicas: 600 }));
    const noneDone = summarizeCell(naive, run({ jobs: 300, done: 0, replicas: 0, lastQuarter: { done: 0, replicas: 0 } }));
    const lines = verdicts([summarizeCell(none, run()), allDone, noneDone], reference);
    expect(lines[0]).toMatch(/^error rate .*: NOT met — .*not judged: naive, 10% saboteurs, lie rate 1 finished 0 of 300 jobs$/);
    expect(lines[1]).toMatch(/: NOT met — .*not judged: naive, 10% saboteurs, lie rate 1 finished 0 of 300 jobs$/);
    expect(verdicts([noneDone], reference).slice(0, 2)).toEqual([
      'error rate ≤ 0.001 with up to 30% saboteurs: NOT met — naive, 10% saboteurs, lie rate 1 finished 0 of 300 jobs',
      'mean redundancy ≤ 2.5 answers per job in those cells: NOT met — naive, 10% saboteurs, lie rate 1 finished 0 of 300 jobs',
    ]);
    // The cost goal compares the unverified and no-saboteur cells' throughput: one that stopped short cannot meet it.
    const shortBaseline = verdicts([summarizeCell(none, run({ done: 200 })), allDone], reference);
    expect(shortBaseline[2]).toMatch(/: NOT met — 1\.05× .*; not judged: no saboteurs finished 200 of 400 jobs$/);
  });

  it('puts one row per cell under the header, throughput relative to both references', () => {
    const table = markdownTable([summarizeCell(none, run({ seconds: 5 }))], { unverified: 100, noSaboteurs: 80 }).split('\n');
    expect(table).toHaveLength(3);
    // The ratios are this cell's jobs/s over each reference's, and the header says so.
    expect(table[0]).toContain('| jobs/s | jobs/s ÷ no saboteurs | jobs/s ÷ unverified |');
    expect(table[2]).toContain('| no saboteurs | 400 / 400 | 0 / 400 (0.0%–0.95%) | 0 | 0 (0) | 2.00 | 1.50 | 0.100 | 80.0 | 1.00 | 0.80 | – |');
  });
});
