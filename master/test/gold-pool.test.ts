// The pool of spot checks encoded ahead (trust/gold-pool.ts), over a real gold set: a folder of images and its
// answers file. It holds at most its size, hands out each draw once, and hands out a ready one without encoding.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { GoldPool } from '../trust/gold-pool.ts';
import { GOLD_CSV_HEADER, GoldSet, type GoldDraw } from '../trust/gold-set.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gold-pool-test-'));
let gold: GoldSet;
beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const pixels = Buffer.from(Array.from({ length: 160 * 120 * 3 }, () => Math.floor(Math.random() * 256)));
    await sharp(pixels, { raw: { width: 160, height: 120, channels: 3 } })
      .png()
      .toFile(path.join(dir, `${i}.png`));
  }
  fs.writeFileSync(path.join(dir, 'gold.csv'), [GOLD_CSV_HEADER, '0.png,1,0.9', '1.png,2,0.9', '2.png,3,0.9'].join('\n'));
  gold = await GoldSet.load({ dir, imageSize: 224 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The gold set, counting the draws it has finished encoding. */
function counted() {
  const source = {
    encoded: 0,
    next: async () => {
      const draw = await gold.next();
      source.encoded += 1;
      return draw;
    },
  };
  return source;
}

describe('the gold pool', () => {
  it('fills to its size after the first draw, hands a ready draw out without encoding, and never one twice', async () => {
    const source = counted();
    const pool = new GoldPool(source, 3);
    const drawn: GoldDraw[] = [await pool.next()];
    expect(source.encoded).toBe(1);
    await until(() => pool.readyCount === 3, 'the pool full');
    expect(source.encoded).toBe(4);
    drawn.push(await pool.next());
    // Taken from the pool: the refill it starts has not encoded yet.
    expect([source.encoded, pool.readyCount]).toEqual([4, 2]);
    for (let i = 0; i < 8; i++) {
      drawn.push(await pool.next());
      expect(pool.readyCount).toBeLessThanOrEqual(3);
    }
    expect(new Set(drawn.map((draw) => draw.bytes.toString('base64'))).size).toBe(drawn.length);
    expect(drawn.every((draw) => [1, 2, 3].includes(draw.answer))).toBe(true);
  });

  it('of size 0, encodes each draw when it is asked for', async () => {
    const source = counted();
    const pool = new GoldPool(source, 0);
    for (let i = 0; i < 3; i++) await pool.next();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([source.encoded, pool.readyCount]).toEqual([3, 0]);
  });

  it('stops filling when the gold set fails, and the next draw, made on demand, reports why', async () => {
    // The gold set encodes two draws, then fails (its folder gone, say).
    let calls = 0;
    const pool = new GoldPool({ next: () => (++calls <= 2 ? gold.next() : Promise.reject(new Error('gold image gone'))) }, 3);
    await pool.next();
    await until(() => calls === 3, 'the refill to fail');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pool.readyCount).toBe(1);
    await pool.next();
    await expect(pool.next()).rejects.toThrow('gold image gone');
    expect(pool.readyCount).toBe(0);
  });
});
