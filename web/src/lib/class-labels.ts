import { IMAGENET_CLASSES } from '@tensorflow-models/mobilenet/dist/imagenet_classes.js';

/**
 * The ImageNet label of a class index, as the worker pages name it (worker-runtime/classifier.ts).
 * Read here, not from an answer's own labels: a volunteer's words are not to be taken for it.
 */
export function classLabel(index: number): string {
  return IMAGENET_CLASSES[index] ?? `class ${index}`;
}
