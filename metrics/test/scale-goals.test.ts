// bench:scale's capacity and latency runs over a grid whose log never hears 40% of its jobs completed: the goals
// they feed must not read "met" over the jobs that were done.
import { describe, expect, it } from 'vitest';
import { capacity, latencyAt, type Grid } from '../scale-grid.ts';
import { TransitionLog } from '../scale-log.ts';
import { epochNow } from '../scale-messages.ts';
import { goals, type PhaseReport, type ScaleReport } from '../scale-report.ts';
import type { MasterChild } from '../scale-children.ts';
import { fairness } from '../scale-stats.ts';

/** A master that acknowledges every job at once and reports three in five of them completed at once, the others never. */
function fakeGrid(): Grid {
  const log = new TransitionLog();
  const report = (ids: string[]) =>
    log.add({
      type: 'report',
      transitions: ids.filter((id) => Number(id.split('-').at(-1)) % 5 >= 2).map((id) => ['completed', id, epochNow()] as const),
      acks: [],
      refusals: [],
    });
  let bulk = 0;
  const master = {
    pid: process.pid,
    async submitBulk(count: number) {
      const jobIds = Array.from({ length: count }, () => `bulk-${bulk++}`);
      report(jobIds);
      return { jobIds, errors: [] };
    },
    submit(seqs: number[]) {
      log.add({ type: 'report', transitions: [], acks: seqs.map((seq) => [seq, `open-${seq}`]), refusals: [] });
      report(seqs.map((seq) => `open-${seq}`));
    },
  } as unknown as MasterChild;
  return { masters: [master], live: [master], clients: [], log, redisPids: [] } as unknown as Grid;
}

function phase(grid: Pick<PhaseReport, 'capacity' | 'latency'>): PhaseReport {
  const even = fairness([10, 10]);
  return {
    ...grid,
    store: 'redis',
    masters: [0, 1, 2, 3].map((index) => ({ index, rssPerSocketKb: 10 })),
    connect: { connected: 10_000 },
    idle: null,
    fairness: { capacity: even, latency: even },
    kill: null,
    nodeKill: null,
  } as unknown as PhaseReport;
}

describe('bench:scale goals with jobs that never complete', () => {
  it('are NOT met, and say how many jobs were missing', async () => {
    const grid = fakeGrid();
    const capacityRun = await capacity(grid, 1000, 100);
    const latencyRun = await latencyAt(grid, 1000, 0.1, 100);
    expect(capacityRun).toMatchObject({ jobs: 1000, completedJobs: 600, missing: 400 });
    expect(latencyRun).toMatchObject({ submitted: 1100, acked: 1100, unanswered: 0, measured: 100, measuredNotDone: 40 });

    const [, dispatch, latency] = goals({ phases: [phase({ capacity: capacityRun, latency: latencyRun })] } as unknown as ScaleReport);
    expect(dispatch).toMatchObject({ goal: expect.stringMatching(/^aggregate dispatch/), met: false });
    expect(dispatch!.measured).toMatch(/; 400 of 1000 jobs never done$/);
    expect(latency).toMatchObject({ goal: expect.stringMatching(/^p99 added latency/), met: false });
    expect(latency!.measured).toMatch(/; 40 of 100 measured jobs never done \(0 refused, 0 unanswered of all submitted\)$/);
  });
});

describe('bench:scale memory goal', () => {
  it('is judged on the heaviest master, not the mean over masters', () => {
    const even = fairness([10, 10]);
    const report = {
      phases: [
        {
          store: 'redis',
          masters: [10, 10, 10, 45].map((rssPerSocketKb, index) => ({ index, rssPerSocketKb })),
          connect: { connected: 10_000 },
          idle: null,
          capacity: { jobsPerSecond: 6000, missing: 0, jobs: 1, refused: [] },
          latency: { p99: 1, offeredRate: 1000, measuredNotDone: 0 },
          fairness: { capacity: even, latency: even },
          kill: null,
          nodeKill: null,
        },
      ],
    } as unknown as ScaleReport;
    const [memory] = goals(report);
    expect(memory).toMatchObject({ goal: expect.stringMatching(/≤ 30 KB master memory each/), met: false });
    expect(memory!.measured).toMatch(/45\.0 KB RSS each on the heaviest master/);
  });
});
