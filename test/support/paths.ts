// Where the test data lives: the model the project ships, and the shared images and other models beside the
// project (never copied into it).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset, type LabelledImage } from '../../metrics/dataset.ts';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = path.resolve(process.env.SHARED_DIR ?? path.join(projectRoot, '../shared'));
export const devImagesDir = path.join(sharedDir, 'datasets/imagenet-dev');
export const defaultModelDir = path.join(projectRoot, 'models/mobilenet-v2-100-224-graph');

/** The dev images in labels.csv order, with their ImageNet class index. */
export function devImages(count?: number): LabelledImage[] {
  const images = loadDataset(devImagesDir);
  return count === undefined ? images : images.slice(0, count);
}
