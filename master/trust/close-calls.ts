// A close call: an answer whose top-1 class leads the second by a hair. On such an image honest backends
// may round the other way (fp16 WebGL against fp32 WASM), so a volunteer's close call is a slip as often as
// a lie, and no credibility earned on spot checks (which use wide-margin gold only) says otherwise.
// Verification therefore never lets one volunteer's close call settle a job alone (verification.ts).
// Backends that compute in fp32 on the CPU (WASM, tfjs's CPU backend) agree with each other to the fifth
// decimal (npm run bench:agreement), so for their answers only a far narrower lead is a close call.
import type { JobResult } from '../api-types.ts';
import type { Prediction } from '../protocol.ts';

/** Backends whose arithmetic is fp32 on the CPU: held to CLOSE_CALL_MARGIN_CPU, not CLOSE_CALL_MARGIN. */
export const CPU_BACKENDS: readonly string[] = ['wasm', 'cpu'];

export interface CloseCallMargins {
  /** Any backend that may compute in reduced precision (WebGL, WebGPU); 0: no answer is a close call. */
  closeCallMargin: number;
  /** An answer from a CPU backend; never above closeCallMargin. */
  closeCallMarginCpu: number;
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

/** Whether an answer's top-1 leads by less than the margin its backend is held to. */
export function isCloseCall({ predictions, backend }: Pick<JobResult, 'predictions' | 'backend'>, margins: CloseCallMargins): boolean {
  const margin = CPU_BACKENDS.includes(backend) ? Math.min(margins.closeCallMarginCpu, margins.closeCallMargin) : margins.closeCallMargin;
  return topMargin(predictions) < margin;
}
