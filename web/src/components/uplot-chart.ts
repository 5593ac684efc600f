import { LitElement, html, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import { sameCategories, type ChartCategory } from '../lib/chart-categories.ts';
import { uplotChartStyles } from './uplot-chart.styles.ts';

export interface ChartSeries {
  label: string;
  /** A theme custom property, e.g. "--chart-1": the canvas cannot read CSS itself. */
  color: string;
  /** Bars instead of a line (for histograms). */
  bars?: boolean;
}

const HEIGHT = 200;
/** The time span shown before the first sample: the stats page's 10 minutes. */
const EMPTY_SPAN_SECONDS = 600;
/** Narrower than this per category, only every other tick is written. */
const MIN_TICK_PX = 30;
/** Steps for axes of whole things (jobs): never "0.5 jobs". */
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

/**
 * A uPlot chart that fills its width. x is Unix seconds (a time chart) or, with `categories`,
 * the index of a named bucket. The canvas says nothing to a screen reader, so `label` must
 * describe what it shows, and the page writes the key numbers out as text beside it.
 */
export class UplotChart extends LitElement {
  static override styles = uplotChartStyles;
  static override properties = {
    data: { attribute: false },
    series: { attribute: false },
    categories: {
      attribute: false,
      hasChanged: (value: ChartCategory[] | null, old: ChartCategory[] | null) => !sameCategories(value, old),
    },
    label: {},
    unit: {},
    whole: { type: Boolean },
  };

  data: uPlot.AlignedData = [[]];
  series: ChartSeries[] = [];
  categories: ChartCategory[] | null = null;
  label = '';
  /** Written after y-axis numbers, e.g. "/s". */
  unit = '';
  /** y counts whole things: ticks at whole numbers only. */
  whole = false;
  private plot: uPlot | null = null;
  private readonly resize = new ResizeObserver(() => this.fit());

  protected override render() {
    return html`<div class="plot" role="img" aria-label=${this.label}></div>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // A new set of series or buckets needs a new plot; new numbers only need new data.
    if (!this.plot || changed.has('series') || changed.has('categories') || changed.has('unit') || changed.has('whole')) this.create();
    else if (changed.has('data')) this.plot.setData(this.data);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.create();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private create(): void {
    this.plot?.destroy();
    const target = this.renderRoot.querySelector<HTMLElement>('.plot')!;
    const style = getComputedStyle(this);
    const color = (name: string) => style.getPropertyValue(name).trim() || '#2457c5';
    const text = color('--muted');
    const grid = color('--border');
    const categories = this.categories;
    const axis: uPlot.Axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const options: uPlot.Options = {
      width: target.clientWidth || 600,
      height: HEIGHT,
      scales: {
        x: categories ? { time: false, range: () => [-0.5, categories.length - 0.5] } : { time: true, range: timeRange },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        categories
          ? {
              ...axis,
              grid: { show: false },
              splits: () => categories.map((_category, i) => i),
              values: (u, splits) => {
                const crowded = u.bbox.width / devicePixelRatio / categories.length < MIN_TICK_PX;
                return splits.map((i) => (crowded && i % 2 === 1 ? '' : (categories[i]?.tick ?? '')));
              },
            }
          : { ...axis, values: timeTicks },
        {
          ...axis,
          incrs: this.whole ? WHOLE_STEPS : undefined,
          // As many decimals as the step has: 0.25 steps read 0.25 and 0.75, not 0.3 and 0.8.
          values: (_u, splits, _axis, _space, step) => splits.map((value) => `${formatTick(value, step)}${this.unit}`),
          size: 56,
        },
      ],
      series: [
        categories ? { label: 'Bucket', value: (_u, i) => (i === null ? '—' : (categories[Math.round(i)]?.label ?? '')) } : { label: 'Time' },
        ...this.series.map((series): uPlot.Series => ({
          label: series.label,
          stroke: color(series.color),
          width: series.bars ? 0 : 2,
          fill: series.bars ? color(series.color) : undefined,
          paths: series.bars ? uPlot.paths.bars!({ size: [0.7, 64] }) : undefined,
          points: { show: false },
          value: (_u, value) => (value === null ? '—' : `${formatNumber(value)}${this.unit}`),
        })),
      ],
      cursor: { drag: { x: false, y: false } },
    };
    this.plot = new uPlot(options, this.data, target);
    this.resize.observe(target);
  }

  private fit(): void {
    const target = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (this.plot && target && target.clientWidth > 0 && target.clientWidth !== this.plot.width) {
      this.plot.setSize({ width: target.clientWidth, height: HEIGHT });
    }
  }
}

/**
 * Before two samples, the 10 minutes up to the one sample (or now): uPlot pads a lone time point by 86400 of
 * the scale's units, which here are seconds read as ms, and spans years.
 */
function timeRange(u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  const times = u.data[0];
  if (times.length > 1) return [min, max];
  const end = times[0] ?? Date.now() / 1000;
  return [end - EMPTY_SPAN_SECONDS, end];
}

const minuteTick = uPlot.fmtDate('{h}:{mm}{aa}');
const secondTick = uPlot.fmtDate('{h}:{mm}:{ss}{aa}');

/** Times of day only: uPlot's default writes a date under the first one, too wide for a phone. */
function timeTicks(_u: uPlot, splits: number[], _axis: number, _space: number, step: number): string[] {
  const format = step < 60 ? secondTick : minuteTick;
  return splits.map((time) => format(new Date(time * 1000)));
}

/** A y tick: fractions to the decimals of the step between ticks. */
function formatTick(value: number, step: number): string {
  const decimals = Number.isInteger(step) ? 0 : (String(step).split('.')[1]?.length ?? 1);
  return Math.abs(value) >= 10 ? formatNumber(value) : value.toLocaleString('en-US', { maximumFractionDigits: decimals });
}

/** Axis and legend numbers: whole numbers plain, small ones with one decimal. */
function formatNumber(value: number): string {
  return Number.isInteger(value) || Math.abs(value) >= 10 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

customElements.define('uplot-chart', UplotChart);

declare global {
  interface HTMLElementTagNameMap {
    'uplot-chart': UplotChart;
  }
}
