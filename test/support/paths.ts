// Where the shared models and images live (beside the project, never copied into it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = path.resolve(process.env.SHARED_DIR ?? path.join(projectRoot, '../shared'));
export const devImagesDir = path.join(sharedDir, 'datasets/imagenet-dev');
export const defaultModelDir = path.join(sharedDir, 'models/mobilenet-v2-100-224-graph');

export interface LabelledImage {
  file: string;
  path: string;
  index: number;
}

/** The dev images in labels.csv order, with their ImageNet class index. */
export function devImages(count?: number): LabelledImage[] {
  const lines = fs.readFileSync(path.join(devImagesDir, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
  const images = lines.map((line) => {
    const [file, , index] = line.split(',');
    return { file: file!, path: path.join(devImagesDir, file!), index: Number(index) };
  });
  return count === undefined ? images : images.slice(0, count);
}
