/** A named bucket on a category axis: a long label for the legend, a short tick for the axis. */
export interface ChartCategory {
  label: string;
  tick: string;
}

/**
 * Whether two category axes are drawn the same. A page builds its categories afresh on every
 * poll (a histogram's bars, counts and all); a chart keeps its plot, and the readout under a
 * pointer, unless the buckets themselves changed.
 */
export function sameCategories(a: readonly ChartCategory[] | null, b: readonly ChartCategory[] | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((category, i) => category.label === b[i]!.label && category.tick === b[i]!.tick);
}
