// What the trust bench's synthetic workers answer for an image, given the served model's answers for it
// (a row of the predictions table). Pure: the random draws come in as a function.
//
// Honest workers answer the model's top-1, except that on a low-margin image a backend may round the other
// way (fp16 WebGL against fp32 WASM): with probability `flipRate` they answer the second class instead.
// Saboteurs lie at their sabotage rate: naive ones with a random wrong class, colluders all with the same
// wrong class for an image and on the same images (so their lies agree); smart ones answer honestly for
// their first `honestFor` answers under each identity (earning credibility on spot checks) before lying.
// An answer goes out with the probabilities a page would send: an honest one keeps the image's margin (a flip
// only happens on a near tie), a lie claims certainty.
import type { ModelAnswer } from './model-answers.ts';

export interface HonestDisagreement {
  /** Chance that an honest answer on a low-margin image is the second class. */
  flipRate: number;
  /** Images whose top-1 probability beats the second's by less than this are low-margin. */
  lowMargin: number;
}

export const SABOTEUR_KINDS = ['naive', 'smart', 'colluding', 'smart-colluding'] as const;
export type SaboteurKind = (typeof SABOTEUR_KINDS)[number];

export type Behaviour = { kind: 'honest' } | { kind: SaboteurKind; rate: number; honestFor: number };

export interface Answer {
  answer: number;
  /** A saboteur's deliberate wrong answer. */
  lie: boolean;
  /** An honest answer that is the second class. */
  flipped: boolean;
}

export const CLASSES = 1000;

export function honestAnswer(row: ModelAnswer, disagreement: HonestDisagreement, random: () => number): Answer {
  const flipped = row.margin < disagreement.lowMargin && row.second >= 0 && random() < disagreement.flipRate;
  return { answer: flipped ? row.second : row.top1, lie: false, flipped };
}

/** A number in [0, 1) fixed by the image and the colluders' shared seed: colluders lie on the same images. */
export function collusionDraw(image: number, seed: number): number {
  let h = Math.imul(image ^ seed, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

const colluding = (kind: SaboteurKind) => kind === 'colluding' || kind === 'smart-colluding';
const smart = (kind: SaboteurKind) => kind === 'smart' || kind === 'smart-colluding';

/**
 * The answer for `image` (its position in the table), `answered` being how many answers this identity has
 * given before; `seed` is the colluders' shared secret.
 */
export function answerFor(
  behaviour: Behaviour,
  row: ModelAnswer,
  { image, answered, seed }: { image: number; answered: number; seed: number },
  disagreement: HonestDisagreement,
  random: () => number,
): Answer {
  if (behaviour.kind === 'honest' || (smart(behaviour.kind) && answered < behaviour.honestFor)) return honestAnswer(row, disagreement, random);
  if (colluding(behaviour.kind)) {
    if (collusionDraw(image, seed) >= behaviour.rate) return honestAnswer(row, disagreement, random);
    return { answer: (row.top1 + 1) % CLASSES, lie: true, flipped: false };
  }
  if (random() >= behaviour.rate) return honestAnswer(row, disagreement, random);
  // Any of the other 999 classes, evenly.
  return { answer: (row.top1 + 1 + Math.floor(random() * (CLASSES - 1))) % CLASSES, lie: true, flipped: false };
}

/** The top classes and probabilities sent with `given`: the image's two leading classes at its margin, or a lie alone at 1. */
export function predictionsFor(given: Answer, row: ModelAnswer): { index: number; probability: number }[] {
  if (given.lie || row.second < 0) return [{ index: given.answer, probability: 1 }];
  const runnerUp = given.flipped ? row.top1 : row.second;
  return [
    { index: given.answer, probability: (1 + row.margin) / 2 },
    { index: runnerUp, probability: (1 - row.margin) / 2 },
  ];
}
