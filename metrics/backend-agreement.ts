// How often two honest backends name different top-1 classes for the same image (WebGL's fp16 and
// WASM's fp32 round differently, so borderline images can flip), and how close to the line those
// images were: the measure a verifier needs so it never mistakes rounding for lying.
import type { JobDetailView } from '../master/api-types.ts';
import { wilsonInterval, type Proportion } from './runner/wilson.ts';

/** One backend's answer for one image: its top-1 class, that class's probability and its lead over the runner-up. */
export interface Answer {
  file: string;
  top1: number;
  probability: number;
  /** top-1 probability − top-2 probability. */
  margin: number;
}

export interface Disagreement {
  file: string;
  a: Answer;
  b: Answer;
}

export interface PairAgreement {
  a: string;
  b: string;
  /** Images both backends answered. */
  compared: number;
  disagreements: Disagreement[];
  /** Disagreements / compared, with its 95% Wilson interval. */
  rate: Proportion;
  /** The widest margin (of either backend) on an image they disagreed on; 0 when they never did. */
  widestDisagreeingMargin: number;
  /** Images whose margin in both backends is above that: the ones a spot check may use as gold. */
  clearlyDecided: number;
  /** The largest difference in top-1 probability on images they agreed on. */
  largestProbabilityGap: number;
  /** The narrowest lead (of either backend) on an image they agreed on: how close a call they still got alike. */
  narrowestAgreedMargin: number;
  /** The largest change in the top-1's lead between the two on an image they agreed on: a lead narrower than this may flip. */
  largestLeadShift: number;
}

/** Each job's answer (null for a job that did not finish), in job order. */
export function answersOf(jobs: readonly JobDetailView[]): (Answer | null)[] {
  return jobs.map((job) => {
    const [first, second] = job.result?.predictions ?? [];
    if (!first) return null;
    return { file: job.fileName, top1: first.index, probability: first.probability, margin: first.probability - (second?.probability ?? 0) };
  });
}

/** Compares two backends' answers for the same images, given in the same order. */
export function comparePair(a: string, answersA: readonly (Answer | null)[], b: string, answersB: readonly (Answer | null)[]): PairAgreement {
  if (answersA.length !== answersB.length) throw new RangeError(`need answers for the same images, got ${answersA.length} and ${answersB.length}`);
  const both = answersA.flatMap((answerA, i) => {
    const answerB = answersB[i];
    return answerA && answerB ? [{ a: answerA, b: answerB }] : [];
  });
  const disagreements = both.filter(({ a, b }) => a.top1 !== b.top1).map(({ a, b }) => ({ file: a.file, a, b }));
  const agreed = both.filter(({ a, b }) => a.top1 === b.top1);
  const widestDisagreeingMargin = Math.max(0, ...disagreements.flatMap(({ a, b }) => [a.margin, b.margin]));
  return {
    a,
    b,
    compared: both.length,
    disagreements,
    rate: wilsonInterval(disagreements.length, both.length),
    widestDisagreeingMargin,
    clearlyDecided: both.filter(({ a, b }) => Math.min(a.margin, b.margin) > widestDisagreeingMargin).length,
    largestProbabilityGap: Math.max(0, ...agreed.map(({ a, b }) => Math.abs(a.probability - b.probability))),
    narrowestAgreedMargin: Math.min(Infinity, ...agreed.flatMap(({ a, b }) => [a.margin, b.margin])),
    largestLeadShift: Math.max(0, ...agreed.map(({ a, b }) => Math.abs(a.margin - b.margin))),
  };
}
