export interface SparklineShape {
  /** SVG polyline points, "x,y x,y …", in a width × height box with y growing downwards. */
  points: string;
  min: number;
  max: number;
}

/**
 * Scales a series into a box for a sparkline. The y range starts at 0 so a flat line reads as
 * "steady", not as noise blown up to full height; a padding keeps the stroke inside the box.
 */
export function sparklineShape(values: readonly number[], width: number, height: number, padding = 2): SparklineShape | null {
  if (values.length === 0) return null;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const top = max > 0 ? max : 1;
  const step = values.length > 1 ? (width - 2 * padding) / (values.length - 1) : 0;
  const points = values
    .map((value, i) => {
      const x = values.length > 1 ? padding + i * step : width / 2;
      const y = height - padding - (value / top) * (height - 2 * padding);
      return `${round(x)},${round(y)}`;
    })
    .join(' ');
  return { points, min, max };
}

const round = (n: number) => Math.round(n * 10) / 10;
