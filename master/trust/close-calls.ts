// A close call: an answer whose top-1 class leads the second by a hair. On such an image honest backends
// may round the other way (fp16 WebGL against fp32 WASM), so a volunteer's close call is a slip as often as
// a lie, and no credibility earned on spot checks (which use wide-margin gold only) says otherwise.
// Verification therefore never lets one volunteer's close call settle a job alone (verification.ts).
// Backends that keep tensors in fp32 (WASM, tfjs's CPU backend, WebGPU, WebGL with float32 textures) agree with
// each other to the fifth decimal (npm run bench:agreement), so for their answers only a far narrower lead is a
// close call; half floats moved a lead by up to 0.02 there.
import type { JobResult } from '../api-types.ts';
import type { Precision, Prediction } from '../protocol.ts';

/** Backends that only ever compute in fp32: an answer from one that does not say its precision is taken as fp32. */
export const FP32_BACKENDS: readonly string[] = ['wasm', 'cpu'];

export interface CloseCallMargins {
  /** An answer in half floats (or one that does not say, from a GPU backend); 0: no answer is a close call. */
  closeCallMargin: number;
  /** An answer in fp32; never above closeCallMargin. */
  closeCallMarginFp32: number;
}

/** The floats an answer was computed in, by its own word, else by its backend's name (an unsaid GPU answer is read as fp16, the cautious reading). */
export function precisionOf({ backend, precision }: Pick<JobResult, 'backend' | 'precision'>): Precision {
  return precision ?? (FP32_BACKENDS.includes(backend) ? 'fp32' : 'fp16');
}

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

/** Whether an answer's top-1 leads by less than the margin its precision is held to. */
export function isCloseCall(answer: Pick<JobResult, 'predictions' | 'backend' | 'precision'>, margins: CloseCallMargins): boolean {
  const margin = precisionOf(answer) === 'fp32' ? Math.min(margins.closeCallMarginFp32, margins.closeCallMargin) : margins.closeCallMargin;
  return topMargin(answer.predictions) < margin;
}
