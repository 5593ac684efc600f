// npm run gold refuses to write a gold set the master would refuse to start with: more rows than MAX_GOLD_IMAGES,
// or an image larger than MAX_GOLD_IMAGE_BYTES (the latter before any classifying). At the row cap the master's
// own reader takes the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GoldSetError, MAX_GOLD_IMAGE_BYTES, MAX_GOLD_IMAGES, readGoldAnswers, type GoldRow } from '../../master/trust/gold-set.ts';
import { makeGoldAnswers, writeGoldAnswers } from '../gold-answers.ts';

let dir = '';
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const scratch = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gold-caps-')));
const rows = (count: number): GoldRow[] => Array.from({ length: count }, (_, i) => ({ file: `${i}.jpg`, index: i % 1000, margin: 0.9 }));

describe('gold set caps', () => {
  it(`writes ${MAX_GOLD_IMAGES} rows, which the master reads, and refuses one more, writing nothing`, () => {
    const out = path.join(scratch(), 'gold.csv');
    writeGoldAnswers(out, rows(MAX_GOLD_IMAGES));
    expect(readGoldAnswers(out)).toHaveLength(MAX_GOLD_IMAGES);
    fs.rmSync(out);
    expect(() => writeGoldAnswers(out, rows(MAX_GOLD_IMAGES + 1))).toThrow(GoldSetError);
    expect(() => writeGoldAnswers(out, rows(MAX_GOLD_IMAGES + 1))).toThrow(`a gold set holds at most ${MAX_GOLD_IMAGES}`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses a folder with an image past MAX_GOLD_IMAGE_BYTES before classifying anything', async () => {
    const images = scratch();
    fs.writeFileSync(path.join(images, 'huge.jpg'), Buffer.alloc(MAX_GOLD_IMAGE_BYTES + 1));
    await expect(makeGoldAnswers({ images })).rejects.toThrow(
      `huge.jpg is ${MAX_GOLD_IMAGE_BYTES + 1} bytes; a gold image may be at most ${MAX_GOLD_IMAGE_BYTES}`,
    );
    expect(fs.existsSync(path.join(images, 'gold.csv'))).toBe(false);
  });
});
