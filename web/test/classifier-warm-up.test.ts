// The page's classifier on the shipped model, run by TF.js's CPU backend in Node: a warm-up that fails disposes the
// model it was given, so a page trying again and again (a wrong model, a lost WebGL context) keeps nothing behind.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFiles } from '../../master/model/model-files.ts';
import { defaultModelDir } from '../../test/support/paths.ts';
import { Classifier } from '../src/worker-runtime/classifier.ts';

const { view } = loadModelFiles(defaultModelDir, [-1, 1]);

/** The shipped model, loaded from its files as a page loads it from the master. */
function loadShipped(): Promise<tf.GraphModel> {
  const json = JSON.parse(fs.readFileSync(path.join(defaultModelDir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    format: string;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weights = Buffer.concat(json.weightsManifest.flatMap((group) => group.paths.map((file) => fs.readFileSync(path.join(defaultModelDir, file)))));
  return tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      format: json.format,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Classifier.warmed', () => {
  it('warms up the shipped model', async () => {
    const { classifier, warmupMs } = await Classifier.warmed(await loadShipped(), view);
    expect(warmupMs).toBeGreaterThan(0);
    classifier.dispose();
  });

  it('disposes the model when its warm-up fails, leaving no tensor behind', async () => {
    const before = tf.memory().numTensors;
    // An input size the graph refuses stands in for a wrong model or a lost context.
    for (let attempt = 0; attempt < 2; attempt++) await expect(Classifier.warmed(await loadShipped(), { ...view, imageSize: 100 })).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
