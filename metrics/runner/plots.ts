// The study's graphs as SVG: Vega-Lite specs compiled to Vega and rendered
// headless in Node. The first four redraw the 2020 study's graphs with honest
// definitions; the fifth shows the latency percentiles it did not have.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { STAGES } from './latency.ts';
import type { LossSummary } from './summary.ts';

const WIDTH = 420;
const HEIGHT = 260;
const LEGEND = { orient: 'bottom', columns: 1, labelLimit: 0 } as const;
const lossAxis = { field: 'loss', type: 'quantitative', title: 'packet loss per direction', axis: { format: '.0%' } } as const;

/** One line per run of the loss rates (--repeats), not one zigzagging through every run's point at each loss rate. */
const perRun = { field: 'repeat', type: 'nominal' } as const;

/** NaN (no data) becomes null so Vega-Lite leaves the point out instead of drawing it at zero. */
const finite = (value: number) => (Number.isFinite(value) ? value : null);

function lineChart(title: string, yTitle: string, rows: object[], yFormat?: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: lossAxis,
      y: { field: 'value', type: 'quantitative', title: yTitle, ...(yFormat ? { axis: { format: yFormat } } : {}) },
      color: { field: 'series', type: 'nominal', title: null, legend: LEGEND },
      detail: perRun,
    },
  };
}

export function plotSpecs(summaries: readonly LossSummary[]): Record<string, TopLevelSpec> {
  const throughput = summaries.flatMap((s) => [
    { loss: s.loss, repeat: s.repeat, series: 'offered rate (uploads scheduled/s)', value: s.offeredRate },
    { loss: s.loss, repeat: s.repeat, series: 'submission rate (201s/s; the 2020 "throughput")', value: s.submissionRate },
    { loss: s.loss, repeat: s.repeat, series: 'completion throughput (jobs done/s)', value: s.completionThroughput },
  ]);
  const goodput = summaries.map((s) => ({ loss: s.loss, repeat: s.repeat, series: 'goodput (jobs done with correct top-1 /s)', value: s.goodput }));
  const executionTime = summaries.flatMap((s) => [
    {
      loss: s.loss,
      repeat: s.repeat,
      series: 'on the worker, mean (lease start → result)',
      value: finite((s.latency.transfer.mean + s.latency.inference.mean) / 1000),
    },
    { loss: s.loss, repeat: s.repeat, series: 'end to end, mean (intended send → result)', value: finite(s.latency.endToEnd.mean / 1000) },
  ]);
  const accuracy = summaries.flatMap((s) =>
    (
      [
        ['top-1 of all images sent', s.top1],
        ['top-5 of all images sent', s.top5],
        ['top-1 of done jobs (model only)', s.top1OfDone],
      ] as const
    ).map(([series, p]) => ({ loss: s.loss, repeat: s.repeat, series, value: finite(p.value), low: p.low, high: p.high })),
  );
  const latency = summaries.flatMap((s) =>
    STAGES.flatMap((stage) =>
      (['p50', 'p90', 'p99', 'max'] as const).map((percentile) => ({
        loss: s.loss,
        repeat: s.repeat,
        stage,
        percentile,
        // A log axis cannot show 0 ms (a transfer rounds to it); 0.1 ms is the floor.
        ms: Number.isFinite(s.latency[stage][percentile]) ? Math.max(0.1, s.latency[stage][percentile]) : null,
      })),
    ),
  );

  const accuracyChart = lineChart('Accuracy vs loss (95% Wilson intervals)', 'accuracy', accuracy, '.0%');
  return {
    'throughput.svg': lineChart('Throughput vs loss', 'per second', throughput),
    'goodput.svg': lineChart('Goodput vs loss', 'correct jobs per second', goodput),
    'accuracy.svg': {
      $schema: accuracyChart.$schema,
      title: accuracyChart.title,
      width: WIDTH,
      height: HEIGHT,
      data: { values: accuracy },
      encoding: { x: lossAxis, color: { field: 'series', type: 'nominal', title: null, legend: LEGEND }, detail: perRun },
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: { y: { field: 'value', type: 'quantitative', title: 'accuracy', axis: { format: '.0%' }, scale: { domain: [0, 1] } } },
        },
        { mark: { type: 'errorbar', ticks: true }, encoding: { y: { field: 'low', type: 'quantitative', title: 'accuracy' }, y2: { field: 'high' } } },
      ],
    } as TopLevelSpec,
    'execution-time.svg': lineChart('Job execution time vs loss', 'seconds', executionTime),
    'latency.svg': {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'Latency percentiles per stage vs loss',
      data: { values: latency },
      facet: { column: { field: 'stage', type: 'nominal', sort: [...STAGES], title: null } },
      spec: {
        width: 180,
        height: HEIGHT,
        mark: { type: 'line', point: true },
        encoding: {
          x: lossAxis,
          y: { field: 'ms', type: 'quantitative', title: 'ms (log scale)', scale: { type: 'log' } },
          color: { field: 'percentile', type: 'nominal', sort: ['p50', 'p90', 'p99', 'max'] },
          detail: perRun,
        },
      },
    } as TopLevelSpec,
  };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
