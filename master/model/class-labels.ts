// The name of each ImageNet class, from the same list the worker pages use (@tensorflow-models/mobilenet).
// A result's labels are the master's, read off its class indexes: the text a worker sends is never stored,
// so a volunteer that agrees on a class cannot put words of its own on the board.
import { IMAGENET_CLASSES } from '@tensorflow-models/mobilenet/dist/imagenet_classes.js';
import type { Prediction } from '../protocol.ts';

export const classLabel = (index: number): string => IMAGENET_CLASSES[index] ?? `class ${index}`;

/** The predictions with each label replaced by the class's own name. */
export const relabelled = (predictions: readonly Prediction[]): Prediction[] =>
  predictions.map((prediction) => ({ ...prediction, label: classLabel(prediction.index) }));
