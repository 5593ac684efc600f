// What the standalone classifier page (web/standalone.html) offers the benchmark that drives it.
import type { PageStages } from '../master/protocol.ts';

export interface StandaloneRun {
  /** Wall time of the whole loop, ms. */
  wallMs: number;
  /** Per image, in order: total ms, ms by stage, the top-1 class, the second class (-1 if none), and the top-1 probability's margin over the second's. */
  images: { inferenceMs: number; stages: Omit<PageStages, 'queued'>; top1: number; second: number; margin: number }[];
}

export interface StandaloneClassifier {
  backend: string;
  /** Classifies each image (bytes as base64) `rounds` times over, one after another as a worker would. */
  classify(images: { base64: string; type: string }[], rounds: number): Promise<StandaloneRun>;
}

/** Where the page puts it once its model is loaded and warm. */
export type StandaloneWindow = { __standalone?: StandaloneClassifier };
