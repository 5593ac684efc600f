// What the trust bench's synthetic workers answer: honest ones the model's top-1 (the second class only on
// low-margin images, at the flip rate), saboteurs a wrong class at their rate, smart ones only after their
// honest start, colluders the same wrong class on the same images.
import { describe, expect, it } from 'vitest';
import type { ModelAnswer } from '../model-answers.ts';
import { answerFor, collusionDraw, honestAnswer, predictionsFor, type Behaviour } from '../worker-behaviours.ts';

const wide: ModelAnswer = { file: 'a.jpg', top1: 7, second: 8, margin: 0.9 };
const narrow: ModelAnswer = { file: 'b.jpg', top1: 999, second: 3, margin: 0.02 };
const disagreement = { flipRate: 0.5, lowMargin: 0.1 };
/** A random source that always draws `value`. */
const always = (value: number) => () => value;
const at = (answered: number, image = 0) => ({ image, answered, seed: 42 });

describe('honest answers', () => {
  it('give the top-1, or the second class on a low-margin image when the draw falls under the flip rate', () => {
    expect(honestAnswer(wide, disagreement, always(0))).toEqual({ answer: 7, lie: false, flipped: false });
    expect(honestAnswer(narrow, disagreement, always(0.49))).toEqual({ answer: 3, lie: false, flipped: true });
    expect(honestAnswer(narrow, disagreement, always(0.5))).toEqual({ answer: 999, lie: false, flipped: false });
    expect(honestAnswer({ ...narrow, second: -1 }, disagreement, always(0))).toMatchObject({ answer: 999, flipped: false });
  });
});

describe('the probabilities sent', () => {
  it('keep the image’s margin between its two leading classes, in the flipped order on a flip', () => {
    expect(predictionsFor({ answer: 999, lie: false, flipped: false }, narrow)).toEqual([
      { index: 999, probability: 0.51 },
      { index: 3, probability: 0.49 },
    ]);
    expect(predictionsFor({ answer: 3, lie: false, flipped: true }, narrow)).toEqual([
      { index: 3, probability: 0.51 },
      { index: 999, probability: 0.49 },
    ]);
  });

  it('claim certainty for a lie, and for an image the page gave one class for', () => {
    expect(predictionsFor({ answer: 5, lie: true, flipped: false }, wide)).toEqual([{ index: 5, probability: 1 }]);
    expect(predictionsFor({ answer: 999, lie: false, flipped: false }, { ...narrow, second: -1 })).toEqual([{ index: 999, probability: 1 }]);
  });
});

describe('saboteurs', () => {
  const naive: Behaviour = { kind: 'naive', rate: 0.5, honestFor: 0 };

  it('lie with a wrong class in 0..999 when the draw falls under their rate, and answer honestly otherwise', () => {
    for (const draw of [0, 0.25, 0.4999]) {
      const given = answerFor(naive, narrow, at(0), { flipRate: 0, lowMargin: 0 }, always(draw));
      expect(given.lie).toBe(true);
      expect(given.answer).not.toBe(narrow.top1);
      expect(given.answer).toBeGreaterThanOrEqual(0);
      expect(given.answer).toBeLessThan(1000);
    }
    expect(answerFor(naive, wide, at(0), disagreement, always(0.5))).toEqual({ answer: 7, lie: false, flipped: false });
  });

  it('when smart, answer honestly for their first answers under an identity, then lie', () => {
    const smart: Behaviour = { kind: 'smart', rate: 1, honestFor: 3 };
    expect([0, 1, 2, 3, 4].map((answered) => answerFor(smart, wide, at(answered), disagreement, always(0)).lie)).toEqual([false, false, false, true, true]);
  });

  it('when colluding, all give top-1 + 1 on the same images, a share of them near their rate', () => {
    const colluder: Behaviour = { kind: 'colluding', rate: 0.3, honestFor: 0 };
    const images = Array.from({ length: 5000 }, (_, image) => image);
    // Two colluders with different private random sources answer each image alike.
    const first = images.map((image) => answerFor(colluder, narrow, at(0, image), { flipRate: 0, lowMargin: 0 }, Math.random));
    const second = images.map((image) => answerFor(colluder, narrow, at(9, image), { flipRate: 0, lowMargin: 0 }, Math.random));
    expect(second).toEqual(first);
    const lies = first.filter((given) => given.lie);
    expect(new Set(lies.map((given) => given.answer))).toEqual(new Set([0]));
    expect(lies.length / images.length).toBeGreaterThan(0.27);
    expect(lies.length / images.length).toBeLessThan(0.33);
  });

  it('when smart and colluding, wait out their honest start before lying together', () => {
    const behaviour: Behaviour = { kind: 'smart-colluding', rate: 1, honestFor: 2 };
    expect(answerFor(behaviour, wide, at(1), disagreement, always(0)).answer).toBe(7);
    expect(answerFor(behaviour, wide, at(2), disagreement, always(0))).toEqual({ answer: 8, lie: true, flipped: false });
  });

  it('draw the collusion share from the image and seed alone, in [0, 1)', () => {
    const draws = Array.from({ length: 1000 }, (_, image) => collusionDraw(image, 7));
    expect(draws).toEqual(Array.from({ length: 1000 }, (_, image) => collusionDraw(image, 7)));
    expect(draws.every((draw) => draw >= 0 && draw < 1)).toBe(true);
    expect(draws).not.toEqual(Array.from({ length: 1000 }, (_, image) => collusionDraw(image, 8)));
  });
});
