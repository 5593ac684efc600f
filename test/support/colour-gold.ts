// A gold folder for tests of spot checks: plain-colour images whose answer is their colour, and the honest "model"
// that classifies any image by its dominant colour, whatever its encoding.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll } from 'vitest';
import type { SyntheticJob, SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import type { Precision } from '../../master/protocol.ts';

/** Class 1 is red, 2 green, 3 blue: the "model" of these tests. */
export const COLOURS = [
  { index: 1, rgb: { r: 220, g: 20, b: 20 } },
  { index: 2, rgb: { r: 20, g: 220, b: 20 } },
  { index: 3, rgb: { r: 20, g: 20, b: 220 } },
];
const [WIDTH, HEIGHT] = [96, 72];

/** A noisy image of one colour, as a photo of it would be (a flat one compresses to the same size whatever its encoding). */
export function plain(rgb: { r: number; g: number; b: number }): Promise<Buffer> {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  const noisy = (value: number) => Math.max(0, Math.min(255, value + Math.round((Math.random() - 0.5) * 60)));
  for (let i = 0; i < pixels.length; i += 3) [pixels[i], pixels[i + 1], pixels[i + 2]] = [noisy(rgb.r), noisy(rgb.g), noisy(rgb.b)];
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .png()
    .toBuffer();
}

/** What an honest worker answers: the class of the image's dominant colour, whatever its encoding. */
export async function classify(job: SyntheticJob): Promise<number> {
  const { channels } = await sharp(job.image).stats();
  const means = channels.slice(0, 3).map((channel) => channel.mean);
  return means.indexOf(Math.max(...means)) + 1;
}

/**
 * Answers honestly on WebGL with a top-1 that leads the second by 0.05: in half floats (the default) a close call
 * (< CLOSE_CALL_MARGIN 0.1), in fp32 not (> CLOSE_CALL_MARGIN_FP32 0.001).
 */
export function answerCloseCall(job: SyntheticJob, worker: SyntheticWorker, precision: Precision = 'fp16'): void {
  void classify(job).then((index) =>
    worker.answer(
      job.header,
      [
        { index, probability: 0.5 },
        { index: (index % 3) + 1, probability: 0.45 },
      ],
      0,
      { backend: 'webgl', precision },
    ),
  );
}

/** A gold folder of one image per colour, made before the file's tests and deleted after: call at the top level. */
export function useColourGold(): { dir: () => string } {
  let goldDir = '';
  beforeAll(async () => {
    goldDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-gold-'));
    for (const { index, rgb } of COLOURS) fs.writeFileSync(path.join(goldDir, `${index}.png`), await plain(rgb));
    fs.writeFileSync(path.join(goldDir, 'gold.csv'), ['file,index,margin', ...COLOURS.map(({ index }) => `${index}.png,${index},0.9`)].join('\n'));
  });
  afterAll(() => fs.rmSync(goldDir, { recursive: true, force: true }));
  return { dir: () => goldDir };
}

/** Submits `count` plain-colour images (red, green, blue in turn), private if asked, and answers their job ids. */
export async function submitColours(url: string, count: number, { privately = false } = {}): Promise<string[]> {
  const data = new FormData();
  if (privately) data.append('private', 'true');
  for (let i = 0; i < count; i++) data.append('image', new Blob([new Uint8Array(await plain(COLOURS[i % 3]!.rgb))]), `${i}.png`);
  const response = await fetch(`${url}/api/jobs`, { method: 'POST', body: data });
  if (response.status !== 201) throw new Error(`submitting ${count} images: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { jobs: { id: string }[] }).jobs.map((job) => job.id);
}
