// The study's graphs with --repeats: each run of the loss rates is a line of its own, never one line zigzagging
// through every run at each loss rate.
import { describe, expect, it } from 'vitest';
import { plotSpecs, renderSvg } from '../runner/plots.ts';
import { summarize } from '../runner/summary.ts';
import { jobRecord } from './job-record-fixture.ts';

const run = (loss: number, repeat: number, finishedAt: number) =>
  summarize([jobRecord({ loss, repeat, finishedAt })], { loss, repeat, offeredRate: 10, measuredLoss: null, duplicateJobs: 0 });

/** The `d` of every line mark in an SVG. */
const lines = (svg: string) => [...svg.matchAll(/aria-roledescription="line mark" d="([^"]*)"/g)].map((match) => match[1]!);

describe('plots', () => {
  it('draw one line per run of the loss rates, through one point per loss rate', async () => {
    // Two loss rates, two runs of each.
    const specs = plotSpecs([run(0, 1, 1_100), run(0, 2, 1_400), run(0.2, 1, 1_200), run(0.2, 2, 1_300)]);
    for (const name of ['throughput.svg', 'goodput.svg', 'accuracy.svg', 'execution-time.svg', 'latency.svg']) {
      const paths = lines(await renderSvg(specs[name]!));
      // A line per series (per stage and percentile in latency.svg) and run.
      expect(paths.length, name).toBeGreaterThanOrEqual(2);
      // Each line joins two points (one per loss rate): one move and one segment.
      for (const d of paths) expect(d.match(/[ML]/g), `${name}: ${d}`).toHaveLength(2);
    }
  });

  it('draw one line per series at one run, as before --repeats', async () => {
    const paths = lines(await renderSvg(plotSpecs([run(0, 1, 1_100), run(0.2, 1, 1_200)])['goodput.svg']!));
    expect(paths).toHaveLength(1);
    expect(paths[0]!.match(/[ML]/g)).toHaveLength(2);
  });
});
