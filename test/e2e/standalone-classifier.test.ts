// The yardstick of bench:browsers: the worker page's classifier alone in real headless Chromium,
// with no master in the loop, labels the dev images as the grid does and says where its time went.
import { describe, expect, it } from 'vitest';
import { classifyStandalone } from '../../metrics/standalone-run.ts';
import { devImages } from '../support/paths.ts';

describe('the standalone classifier page', () => {
  it('classifies each image once per round, in order, with its stages adding up to its time', async () => {
    const images = devImages(3);
    const run = await classifyStandalone(images, { rounds: 2 });
    expect(['wasm', 'webgl', 'webgpu']).toContain(run.backend);
    expect(run.images).toHaveLength(6);
    // The same bytes give the same answer in both rounds.
    expect(run.images.slice(3).map((image) => image.top1)).toEqual(run.images.slice(0, 3).map((image) => image.top1));
    for (const { stages, inferenceMs, margin } of run.images) {
      // The top-1 probability's lead over the second's.
      expect(margin).toBeGreaterThanOrEqual(0);
      expect(margin).toBeLessThanOrEqual(1);
      expect(Object.values(stages).every((ms) => ms >= 0)).toBe(true);
      expect(stages.decode + stages.preprocess + stages.predict + stages.readback).toBeCloseTo(inferenceMs, 1);
    }
    expect(run.wallMs).toBeGreaterThanOrEqual(run.images.reduce((sum, image) => sum + image.inferenceMs, 0));
  });

  it('splits the images round-robin over several pages at once and puts every answer back at its image', async () => {
    const images = devImages(5);
    const [alone, together] = [await classifyStandalone(images), await classifyStandalone(images, { pages: 2, rounds: 2 })];
    expect(together.pages).toBe(2);
    // Each image classified exactly once per round, in its place: the same bytes give the one page's answer.
    const answers = alone.images.map((image) => image.top1);
    expect(together.images).toHaveLength(10);
    expect(together.images.map((image) => image.top1)).toEqual([...answers, ...answers]);
    expect(together.wallMs).toBeGreaterThan(0);
    expect(alone.wallMs).toBeGreaterThan(0);
  });
});
