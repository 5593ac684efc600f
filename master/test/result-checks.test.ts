// The rules that refuse schema-valid nonsense, one by one, beside an honest answer that passes them all.
import { describe, expect, it } from 'vitest';
import { resultProblem } from '../hub/result-checks.ts';
import type { ResultMessage } from '../protocol.ts';

const MODEL = 'served-model-hash';
const honest: ResultMessage = {
  type: 'result',
  jobId: 'job',
  leaseId: 'lease',
  inferenceMs: 40,
  backend: 'wasm',
  model: MODEL,
  // A real top-5 of MobileNet on a dev image: it sums to less than 1.
  predictions: [
    { index: 65, label: 'sea snake', probability: 0.62 },
    { index: 58, label: 'water snake', probability: 0.2 },
    { index: 54, label: 'hognose snake', probability: 0.05 },
    { index: 62, label: 'rock python', probability: 0.05 },
    { index: 60, label: 'night snake', probability: 0.01 },
  ],
};
const withPredictions = (probabilities: number[], indexes = probabilities.map((_, i) => i)): ResultMessage => ({
  ...honest,
  predictions: probabilities.map((probability, i) => ({ index: indexes[i]!, label: `class ${indexes[i]}`, probability })),
});

describe('result checks', () => {
  it('pass an honest answer, on every backend, and a certain one', () => {
    for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu']) expect(resultProblem({ ...honest, backend }, MODEL)).toBeNull();
    expect(resultProblem(withPredictions([1]), MODEL)).toBeNull();
    expect(resultProblem(withPredictions([0.6, 0.3, 0.1 + 1e-9]), MODEL)).toBeNull();
  });

  it('refuse a model that is not the served one', () => {
    expect(resultProblem({ ...honest, model: 'other-hash' }, MODEL)).toBe('the result names model other-hash, but this master serves served-model-hash');
  });

  it('refuse an unknown backend', () => {
    expect(resultProblem({ ...honest, backend: 'quantum-abacus' }, MODEL)).toMatch(
      /^unknown backend "quantum-abacus" \(expected one of webgpu, webgl, wasm, cpu\)$/,
    );
  });

  it('refuse half floats from a backend that computes in fp32 only, and take them from WebGL', () => {
    expect(resultProblem({ ...honest, backend: 'webgl', precision: 'fp16' }, MODEL)).toBeNull();
    for (const backend of ['webgl', 'wasm']) expect(resultProblem({ ...honest, backend, precision: 'fp32' }, MODEL)).toBeNull();
    expect(resultProblem({ ...honest, backend: 'wasm', precision: 'fp16' }, MODEL)).toBe('backend wasm computes in fp32 only, but the result says fp16');
  });

  it('refuse a class index that appears twice', () => {
    expect(resultProblem(withPredictions([0.5, 0.2, 0.1], [3, 7, 3]), MODEL)).toBe('a class index appears twice in the predictions');
  });

  it('refuse predictions not ordered most probable first', () => {
    expect(resultProblem(withPredictions([0.2, 0.5]), MODEL)).toBe('predictions are not ordered most probable first');
  });

  it('refuse top probabilities that sum to more than a softmax has', () => {
    expect(resultProblem(withPredictions([1, 1, 1, 1, 1]), MODEL)).toBe('the probabilities sum to 5.0000; the top classes of a softmax sum to at most 1');
    expect(resultProblem(withPredictions([0.9, 0.2]), MODEL)).toMatch(/sum to 1\.1000/);
  });
});
