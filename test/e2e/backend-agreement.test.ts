// The measure of honest disagreement, end to end: real headless Chromium pages asked for a backend
// by name classify the same dev images on it, and the two backends' answers are compared.
import { describe, expect, it } from 'vitest';
import { answersOf, comparePair } from '../../metrics/backend-agreement.ts';
import { classifyInBrowsers } from '../../metrics/browser-run.ts';
import { devImages } from '../support/paths.ts';

describe('backends asked for by name', () => {
  it('classify the same images on WASM and on the CPU backend, and the two are compared image by image', async () => {
    const images = devImages(3);
    const [wasm, cpu] = [await classifyInBrowsers({ images, workers: 1, backend: 'wasm' }), await classifyInBrowsers({ images, workers: 1, backend: 'cpu' })];
    expect(wasm.map((job) => [job.fileName, job.status, job.result?.backend])).toEqual(images.map((image) => [image.file, 'done', 'wasm']));
    expect(cpu.map((job) => [job.fileName, job.status, job.result?.backend])).toEqual(images.map((image) => [image.file, 'done', 'cpu']));
    const pair = comparePair('wasm', answersOf(wasm), 'cpu', answersOf(cpu));
    expect(pair.compared).toBe(3);
    expect(pair.rate.trials).toBe(3);
  });

  it('runs WebGL on half-float textures when TF.js is told to, says so, and moves probabilities far more than fp32 backends differ', async () => {
    const images = devImages(3);
    const wasm = await classifyInBrowsers({ images, workers: 1, backend: 'wasm' });
    const f32 = await classifyInBrowsers({ images, workers: 1, backend: 'webgl' });
    const f16 = await classifyInBrowsers({ images, workers: 1, backend: 'webgl', tfjsFlags: 'WEBGL_FORCE_F16_TEXTURES:true' });
    // Each answer says the floats it was computed in: the master holds fp16 answers to the wider close-call margin.
    expect(wasm.map((job) => [job.status, job.result?.backend, job.result?.precision])).toEqual(images.map(() => ['done', 'wasm', 'fp32']));
    expect(f32.map((job) => [job.status, job.result?.backend, job.result?.precision])).toEqual(images.map(() => ['done', 'webgl', 'fp32']));
    expect(f16.map((job) => [job.status, job.result?.backend, job.result?.precision])).toEqual(images.map(() => ['done', 'webgl', 'fp16']));
    const pair = comparePair('wasm', answersOf(wasm), 'webgl-f16', answersOf(f16));
    // fp32 backends (WASM, CPU, SwiftShader's fp32 WebGL) agree to 2e-5 on all 200 dev images; half floats keep 3 digits.
    const gaps = wasm.flatMap((job, i) =>
      job.result!.predictions.flatMap((p) =>
        f16[i]!.result!.predictions.filter((q) => q.index === p.index).map((q) => Math.abs(p.probability - q.probability)),
      ),
    );
    expect(pair.compared).toBe(3);
    expect(Math.max(...gaps)).toBeGreaterThan(1e-4);
  });
});
