// A close call: an answer whose top-1 class leads the second by a hair. On such an image honest backends
// may round the other way (fp16 WebGL against fp32 WASM), so a volunteer's close call is a slip as often as
// a lie, and no credibility earned on spot checks (which use wide-margin gold only) says otherwise.
// Verification therefore never lets one volunteer's close call settle a job alone (verification.ts).
import type { Prediction } from '../protocol.ts';

/**
 * How far the top-1 probability leads the second's. An answer listing one class says only that every other
 * class shares what is left, so the second may hold all of it (up to the top-1's own).
 */
export function topMargin(predictions: readonly Prediction[]): number {
  const [first, second] = predictions;
  if (!first) return 0;
  const rest = Math.max(0, 1 - predictions.reduce((sum, p) => sum + p.probability, 0));
  return first.probability - (second?.probability ?? Math.min(first.probability, rest));
}

/** Whether an answer's top-1 leads by less than `closeCallMargin` (0: none is). */
export function isCloseCall(predictions: readonly Prediction[], closeCallMargin: number): boolean {
  return topMargin(predictions) < closeCallMargin;
}
