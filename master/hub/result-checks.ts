// Answers that pass the result schema (protocol.ts) but cannot be real: refused before they touch
// a job, which then goes to another identity. Each rule holds for every honest worker page:
// predictions are the top-k of a softmax over the model's classes, most probable first.
import { HALF_FLOAT_BACKEND, KNOWN_BACKENDS, type ResultMessage } from '../protocol.ts';

/**
 * Room for rounding in the sum of the top-k probabilities. The page computes the softmax in
 * float64 from the model's float32 logits, so an honest sum exceeds 1 by far less than this.
 */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;

/** What is wrong with a result, in words for the worker, or null when nothing is. */
export function resultProblem(result: ResultMessage, servedModel: string): string | null {
  if (result.model !== servedModel) return `the result names model ${result.model}, but this master serves ${servedModel}`;
  if (!(KNOWN_BACKENDS as readonly string[]).includes(result.backend)) {
    return `unknown backend "${result.backend}" (expected one of ${KNOWN_BACKENDS.join(', ')})`;
  }
  if (result.precision === 'fp16' && result.backend !== HALF_FLOAT_BACKEND) return `backend ${result.backend} computes in fp32 only, but the result says fp16`;
  const { predictions } = result;
  if (new Set(predictions.map((p) => p.index)).size !== predictions.length) return 'a class index appears twice in the predictions';
  for (let i = 1; i < predictions.length; i++) {
    if (predictions[i]!.probability > predictions[i - 1]!.probability) return 'predictions are not ordered most probable first';
  }
  // The top k of a softmax share at most all of its mass.
  const sum = predictions.reduce((total, p) => total + p.probability, 0);
  if (sum > 1 + PROBABILITY_SUM_TOLERANCE) return `the probabilities sum to ${sum.toFixed(4)}; the top classes of a softmax sum to at most 1`;
  return null;
}
