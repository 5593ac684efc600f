// The trust bench's core on a tiny cell: the served model's answers for 40 dev images from headless
// Chromium, then a real master with that gold set and real WebSocket workers, a third of them liars.
// The figures must account for every job and every wrong result (run under flock: it launches Chromium).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devImages, devImagesDir } from '../../test/support/paths.ts';
import { ImageIndex } from '../image-fingerprint.ts';
import { modelAnswers } from '../model-answers.ts';
import { runTrustCell, type CellOptions, type TrustBenchInputs } from '../trust-cell.ts';

const IMAGES = 40;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trust-cell-test-'));
let inputs: TrustBenchInputs;
beforeAll(async () => {
  // Gold needs a wide margin on every fresh re-encoding: of the first 12 dev images only one or two qualify, and now and
  // then a random crop took the last one below it (no gold kept, the cell could not run). Of 40, several qualify.
  const answers = await modelAnswers({ images: devImagesDir, files: devImages(IMAGES).map((image) => image.file), outDir });
  expect(answers.goldImages, `no gold image kept; backend ${answers.backend}; the page's answers: ${JSON.stringify(answers.rows)}`).toBeGreaterThan(0);
  inputs = { table: answers.rows, images: answers.images, index: await ImageIndex.of(answers.images), goldDir: devImagesDir, goldAnswers: answers.goldAnswers };
});
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

const options: CellOptions = {
  jobs: 40,
  warmUpJobs: 0,
  prepareJobs: false,
  workers: 6,
  credit: 1,
  answerMs: 5,
  honestFor: 0,
  disagreement: { flipRate: 0, lowMargin: 0.1 },
  fp16Share: 0.5,
  timeoutMs: 60_000,
  store: { kind: 'sqlite' },
  policy: { goldFraction: 0.3 },
};

describe('a trust bench cell', () => {
  it('has the model classify every image, each answer in 0..999', () => {
    expect(inputs.table).toHaveLength(IMAGES);
    expect(inputs.table.every((row) => row.top1 >= 0 && row.top1 < 1000 && row.second !== row.top1 && row.margin >= 0)).toBe(true);
  });

  it('with liars, finishes every job, and every wrong result is on a job a liar answered', async () => {
    const run = await runTrustCell(inputs, { saboteurs: 1 / 3, kind: 'naive', rate: 1 }, options);
    expect([run.done, run.failed]).toEqual([40, 0]);
    expect([run.misidentified, run.wrongUntouched, run.unexpectedCloses]).toEqual([0, 0, 0]);
    expect(run.flips).toBe(0);
    expect(run.wrong).toBeLessThanOrEqual(run.lies);
    // No honest worker flips here: every wrong result is a lie that stood.
    expect(run.wrongByLie).toBe(run.wrong);
    expect(run.replicas).toBeGreaterThanOrEqual(run.done);
    expect(run.saboteurIdentities).toHaveLength(2);
    // Only liars fail spot checks (gold has a wide margin, and honest workers do not flip here); each failure burns one identity.
    const identities = run.saboteurIdentities.flat();
    const caught = identities.filter((identity) => identity.caughtAt !== undefined).length;
    expect(run.spotChecks.failed).toBeGreaterThanOrEqual(caught);
    expect(run.spotChecks.failed).toBeLessThanOrEqual(identities.length);
    expect(run.spotChecks.passed + run.spotChecks.failed).toBeLessThanOrEqual(run.spotChecks.given);
  });

  it('with every worker trusted, settles each job on one answer and gives no spot checks', async () => {
    const run = await runTrustCell(inputs, { saboteurs: 0, kind: 'naive', rate: 0, trusted: true }, options);
    expect([run.done, run.replicas, run.wrong, run.spotChecks.given]).toEqual([40, 40, 0, 0]);
    // The last quarter of the 40 jobs submitted: ten, one answer each.
    expect(run.lastQuarter).toEqual({ done: 10, replicas: 10 });
  });

  it('has only the workers in half floats (--fp16-share) slip on low-margin images', async () => {
    // Every image low-margin and every fp16 answer a slip: the WASM workers' answers stay the model's.
    const slippery = { ...options, disagreement: { flipRate: 1, lowMargin: 1 } };
    const trusted = { saboteurs: 0, kind: 'naive', rate: 0, trusted: true } as const;
    const onWasm = await runTrustCell(inputs, trusted, { ...slippery, fp16Share: 0 });
    expect([onWasm.done, onWasm.flips, onWasm.wrong]).toEqual([40, 0, 0]);
    const inFp16 = await runTrustCell(inputs, trusted, { ...slippery, fp16Share: 1 });
    expect(inFp16.flips).toBe(inFp16.wrong);
    expect(inFp16.flips).toBeGreaterThan(30);
  });

  it('with images prepared on submit as uploads are, has the workers know each image at the model size', async () => {
    const run = await runTrustCell(inputs, { saboteurs: 0, kind: 'naive', rate: 0, trusted: true }, { ...options, prepareJobs: true });
    expect([run.done, run.wrong, run.misidentified]).toEqual([40, 0, 0]);
  });

  it('after a warm-up, counts only the measured jobs, and volunteers with histories settle a job on one answer', async () => {
    // Where 4 passed spot checks make a volunteer's answer final alone (SABOTEUR_FRACTION 0.01): half of all work is
    // gold, so 60 warm-up jobs give each of the 6 workers some 15 checks. Close calls off: a low-margin image's job
    // would wait for a second answer however credible the first (close-calls.test.ts).
    const easy = { ...options, jobs: 20, policy: { goldFraction: 0.5, goldFractionNew: 0.5, saboteurFraction: 0.01, closeCallMargin: 0 } };
    const cold = await runTrustCell(inputs, { saboteurs: 0, kind: 'naive', rate: 0 }, easy);
    const warm = await runTrustCell(inputs, { saboteurs: 0, kind: 'naive', rate: 0 }, { ...easy, warmUpJobs: 60 });
    expect([cold.jobs, cold.done, warm.jobs, warm.done]).toEqual([20, 20, 20, 20]);
    // A new identity's first answer never settles a job alone.
    expect(cold.replicas).toBeGreaterThan(cold.done);
    expect(warm.replicas).toBe(warm.done);
    expect(warm.spotChecks.given).toBeGreaterThan(0);
    // What the bench prints so a reader sees whether a warm-up got every volunteer there.
    expect([cold.atStart, warm.atStart]).toEqual([
      { volunteers: 6, settlingAlone: 0 },
      { volunteers: 6, settlingAlone: 6 },
    ]);
  });
});
