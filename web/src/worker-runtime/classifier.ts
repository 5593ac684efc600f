import * as tf from '@tensorflow/tfjs';
import { IMAGENET_CLASSES } from '@tensorflow-models/mobilenet/dist/imagenet_classes.js';
import type { ModelView } from '../../../master/api-types.ts';
import type { PageStages, Prediction } from '../../../master/protocol.ts';
import { softmax, topK } from './top-k.ts';

const TOP_K = 5;
const IMAGENET_CLASS_COUNT = 1000;

export interface Classification {
  predictions: Prediction[];
  /** Decode, preprocess, predict and readback, ms. */
  inferenceMs: number;
  /** The same time by stage (the page adds the time a job waited before it). */
  stages: Omit<PageStages, 'queued'>;
}

/** MobileNet over image bytes, preprocessed exactly as @tensorflow-models/mobilenet does. */
export class Classifier {
  constructor(
    private readonly model: tf.GraphModel,
    private readonly view: ModelView,
  ) {}

  /**
   * The classifier of a model just loaded, warmed up, with the warm-up's ms. A warm-up that fails (a wrong model, a
   * lost WebGL context, out of GPU memory) disposes the model before it throws: the page tries again, and each try
   * would otherwise keep a whole model's weights.
   */
  static async warmed(model: tf.GraphModel, view: ModelView): Promise<{ classifier: Classifier; warmupMs: number }> {
    const classifier = new Classifier(model, view);
    try {
      return { classifier, warmupMs: await classifier.warmUp() };
    } catch (error) {
      classifier.dispose();
      throw error;
    }
  }

  /** One inference on zeros, so shader compilation and buffer allocation happen before real work. Returns ms. */
  private async warmUp(): Promise<number> {
    const started = performance.now();
    const size = this.view.imageSize;
    // Checking the output width here makes a wrong model fail at load time, not on every job.
    const output = tf.tidy(() => this.classLogits(this.predict(tf.zeros([1, size, size, 3]))));
    try {
      await output.data();
    } finally {
      output.dispose();
    }
    return performance.now() - started;
  }

  /**
   * Classifies an image already decoded (off-thread-decoder.ts), and closes its bitmap. `decodeMs` is the
   * time the caller waited for the decode: with the decode started early, only what was not hidden.
   */
  async classifyDecoded(bitmap: ImageBitmap, decodeMs: number): Promise<Classification> {
    const started = performance.now();
    let preprocessed = started;
    let logits: tf.Tensor;
    try {
      logits = tf.tidy(() => {
        const input = this.input(tf.browser.fromPixels(bitmap));
        preprocessed = performance.now();
        return this.classLogits(this.predict(input));
      });
    } finally {
      bitmap.close();
    }
    const predicted = performance.now();
    let values: Float32Array;
    try {
      values = (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
    const predictions = topK(softmax(values), TOP_K).map(({ index, value }) => ({
      index,
      label: IMAGENET_CLASSES[index]!,
      probability: value,
    }));
    const finished = performance.now();
    return {
      predictions,
      inferenceMs: decodeMs + (finished - started),
      stages: { decode: decodeMs, preprocess: preprocessed - started, predict: predicted - preprocessed, readback: finished - predicted },
    };
  }

  /** Pixels → scaled to inputRange → resized with aligned corners → a batch of one. */
  private input(pixels: tf.Tensor3D): tf.Tensor {
    const [min, max] = this.view.inputRange;
    const size = this.view.imageSize;
    const scaled = tf.add(tf.mul(tf.cast(pixels, 'float32'), (max - min) / 255), min) as tf.Tensor3D;
    // An image the master prepared is already the input size; resizing it with aligned corners would change nothing.
    const [height, width] = pixels.shape;
    const resized = height === size && width === size ? scaled : tf.image.resizeBilinear(scaled, [size, size], true);
    return tf.expandDims(resized, 0);
  }

  /** [1, 1000 or 1001] → the 1000 ImageNet logits. With 1001 outputs, logit 0 is "background". */
  private classLogits(output: tf.Tensor): tf.Tensor {
    const width = output.shape[1];
    if (width === IMAGENET_CLASS_COUNT + 1) return tf.reshape(tf.slice(output, [0, 1], [1, IMAGENET_CLASS_COUNT]), [-1]);
    if (width === IMAGENET_CLASS_COUNT) return tf.reshape(output, [-1]);
    throw new Error(`the model has ${width} outputs; expected ${IMAGENET_CLASS_COUNT} ImageNet classes (+1 background)`);
  }

  /** Frees the model's weights (e.g. when the master switches models). */
  dispose(): void {
    this.model.dispose();
  }

  private predict(batch: tf.Tensor): tf.Tensor {
    const output = this.model.predict(batch);
    if (!(output instanceof tf.Tensor)) throw new Error('the model must have exactly one output');
    return output;
  }
}

/** Tensors alive in this page, for the test that classifying leaks none (window.__gridTensors). */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
