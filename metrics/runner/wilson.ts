// Proportions with 95% Wilson score intervals: unlike the normal
// approximation, they stay inside [0, 1] and behave at 0 or n successes and
// small n, which is where a lossy run's accuracy often lands.

export interface Proportion {
  successes: number;
  trials: number;
  /** successes / trials; NaN for no trials. */
  value: number;
  low: number;
  high: number;
}

const Z_95 = 1.959963984540054;

export function wilsonInterval(successes: number, trials: number, z = Z_95): Proportion {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || trials < 0 || successes > trials) {
    throw new RangeError(`need whole numbers 0 ≤ successes ≤ trials, got ${successes}/${trials}`);
  }
  if (trials === 0) return { successes, trials, value: Number.NaN, low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // At 0 or n successes the bound is exactly 0 or 1; floating point would land a hair off.
  const low = successes === 0 ? 0 : centre - halfWidth;
  const high = successes === trials ? 1 : centre + halfWidth;
  return { successes, trials, value: p, low, high };
}
