export interface Ranked {
  index: number;
  value: number;
}

/** Numerically stable softmax (shifts by the max so exp never overflows). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** The k largest values, largest first; ties keep the lower index first. */
export function topK(values: ArrayLike<number>, k: number): Ranked[] {
  const best: Ranked[] = [];
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (best.length === k && value <= best[k - 1]!.value) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.value < value) at--;
    best.splice(at, 0, { index, value });
    if (best.length > k) best.pop();
  }
  return best;
}
