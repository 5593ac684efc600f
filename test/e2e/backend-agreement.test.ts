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
});
