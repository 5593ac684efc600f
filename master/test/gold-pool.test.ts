// The pool of spot checks encoded ahead (trust/gold-pool.ts), over a real gold set: a folder of images and its
// answers file. It fills from the start, holds at most its size, hands out each draw once, and never waits for one.
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

const failOnError = (error: unknown) => {
  throw error;
};

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
  it('fills to its size from the start, hands each ready draw out once without encoding, and refills after', async () => {
    const source = counted();
    const pool = new GoldPool(source, 3, failOnError);
    await until(() => pool.readyCount === 3, 'the pool full');
    expect(source.encoded).toBe(3);
    const drawn: GoldDraw[] = [pool.take()!];
    // Taken from the pool: the refill it starts has not encoded yet.
    expect([source.encoded, pool.readyCount]).toEqual([3, 2]);
    for (let i = 0; i < 8; i++) {
      await until(() => pool.readyCount > 0, 'a draw ready');
      drawn.push(pool.take()!);
      expect(pool.readyCount).toBeLessThanOrEqual(3);
    }
    expect(new Set(drawn.map((draw) => draw.bytes.toString('base64'))).size).toBe(drawn.length);
    expect(drawn.every((draw) => [1, 2, 3].includes(draw.answer))).toBe(true);
  });

  it('empty, hands out nothing at once rather than waiting for an encoding', async () => {
    const pool = new GoldPool(counted(), 2, failOnError);
    const taken = [pool.take(), pool.take()];
    expect(taken).toEqual([null, null]);
    await until(() => pool.readyCount === 2, 'the pool full');
    expect(pool.take()).not.toBeNull();
  });

  it('reports a failing gold set once, stops filling, and tries again at the next take', async () => {
    // The gold set encodes two draws, then fails (its folder gone, say), then works again.
    let calls = 0;
    const errors: unknown[] = [];
    const failing = { next: () => (++calls === 3 || calls === 4 ? Promise.reject(new Error('gold image gone')) : gold.next()) };
    const pool = new GoldPool(failing, 3, (error) => errors.push(error));
    await until(() => calls === 3, 'the refill to fail');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect([pool.readyCount, errors.map(String)]).toEqual([2, ['Error: gold image gone']]);
    // Each take starts it again: a failure in the same run is not told twice, and the pool fills once it works.
    pool.take();
    await until(() => calls === 4, 'the refill to fail again');
    pool.take();
    await until(() => pool.readyCount === 3, 'the pool full again');
    expect([calls, errors.length]).toEqual([7, 1]);
  });
});
