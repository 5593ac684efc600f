import * as tf from '@tensorflow/tfjs';
import type { ModelView } from '../../../master/api-types.ts';
import { stallGuardedFetch } from './stall-guard.ts';

export type ModelSource = 'cache' | 'network';

export interface LoadedModel {
  model: tf.GraphModel;
  source: ModelSource;
}

const CACHE_PREFIX = 'indexeddb://grid-model-';

/**
 * Loads the master's model, from IndexedDB when this browser has it (keyed by content hash,
 * so a new model is never confused with an old one), else from the network, then caches it.
 * The cache is an optimisation: any failure there falls back to the network.
 */
export async function loadModel(view: ModelView, onProgress: (fraction: number) => void): Promise<LoadedModel> {
  const cacheKey = CACHE_PREFIX + view.hash;
  const cached = await loadFromCache(cacheKey);
  if (cached) {
    onProgress(1);
    return { model: cached, source: 'cache' };
  }
  const model = await tf.loadGraphModel(view.url, { onProgress, fetchFunc: stallGuardedFetch() });
  await saveToCache(model, cacheKey);
  return { model, source: 'network' };
}

async function loadFromCache(cacheKey: string): Promise<tf.GraphModel | null> {
  try {
    const stored = await tf.io.listModels();
    return cacheKey in stored ? await tf.loadGraphModel(cacheKey) : null;
  } catch (error) {
    console.warn('model cache unreadable; downloading instead', error);
    return null;
  }
}

async function saveToCache(model: tf.GraphModel, cacheKey: string): Promise<void> {
  try {
    await model.save(cacheKey);
    await evictOtherModels(cacheKey);
  } catch (error) {
    console.warn('could not cache the model; it will be downloaded again next time', error);
  }
}

/** Old model versions would otherwise pile up in the volunteer's storage forever. */
async function evictOtherModels(keep: string): Promise<void> {
  const stored = await tf.io.listModels();
  const stale = Object.keys(stored).filter((key) => key.startsWith(CACHE_PREFIX) && key !== keep);
  await Promise.all(stale.map((key) => tf.io.removeModel(key)));
}
