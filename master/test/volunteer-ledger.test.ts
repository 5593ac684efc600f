// The volunteer ledger, both implementations against the same expectations: SQLite in a temp
// data dir and the real Redis under a unique prefix; each reopened to show credit outlives the process.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';
import { RedisVolunteerLedger } from '../volunteers/redis-volunteer-ledger.ts';
import { SqliteVolunteerLedger } from '../volunteers/sqlite-volunteer-ledger.ts';
import type { VolunteerLedger } from '../volunteers/volunteer-ledger.ts';

interface LedgerKind {
  name: string;
  /** Opens the ledger on fresh data; `open` again reaches the same data, `dispose` deletes it. */
  make(): { open(): Promise<VolunteerLedger>; dispose(): Promise<void> };
}

const KINDS: LedgerKind[] = [
  {
    name: 'sqlite',
    make() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-ledger-'));
      return { open: async () => new SqliteVolunteerLedger(dir), dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'redis',
    make() {
      const prefix = `test-ledger-${randomUUID()}:`;
      return {
        open: () => RedisVolunteerLedger.connect({ url: TEST_REDIS_URL }, prefix),
        async dispose() {
          const admin = new Redis(TEST_REDIS_URL);
          const keys = await admin.keys(`${prefix}*`);
          if (keys.length) await admin.del(...keys);
          await admin.quit();
        },
      };
    },
  },
];

const opened: VolunteerLedger[] = [];
const disposers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const ledger of opened.splice(0)) await ledger.close();
  for (const dispose of disposers.splice(0)) await dispose();
});

const A = 'volunteer-aaaaaaaaaaaa';
const B = 'volunteer-bbbbbbbbbbbb';
const C = 'volunteer-cccccccccccc';

describe.each(KINDS)('volunteer ledger on $name', (kind) => {
  async function fresh() {
    const made = kind.make();
    disposers.push(made.dispose);
    const open = async () => {
      const ledger = await made.open();
      opened.push(ledger);
      return ledger;
    };
    return { ledger: await open(), open };
  }

  it('adds up images and compute time per volunteer, and ranks them, ties sharing a rank', async () => {
    const { ledger } = await fresh();
    for (const [volunteerId, count] of [
      [A, 3],
      [B, 5],
      [C, 3],
    ] as const) {
      for (let i = 0; i < count; i++) await ledger.record({ volunteerId, browser: 'firefox', backend: 'wasm', computeMs: 10 });
    }
    expect(await ledger.standing(B)).toEqual({ rank: 1, displayName: null, images: 5, computeMs: 50 });
    expect(await ledger.standing(A)).toEqual({ rank: 2, displayName: null, images: 3, computeMs: 30 });
    expect(await ledger.standing(C)).toMatchObject({ rank: 2, images: 3 });
    expect(await ledger.standing('volunteer-nobody-yet')).toBeNull();

    const page = await ledger.leaderboard(0, 10);
    expect(page.total).toBe(3);
    expect(page.volunteers.map((v) => [v.rank, v.images])).toEqual([
      [1, 5],
      [2, 3],
      [2, 3],
    ]);
  });

  it('pages the leaderboard', async () => {
    const { ledger } = await fresh();
    const ids = Array.from({ length: 5 }, (_, i) => `volunteer-page-${i}-xxxxxx`);
    for (const [i, volunteerId] of ids.entries()) {
      for (let n = 0; n <= i; n++) await ledger.record({ volunteerId, browser: 'chromium', backend: 'wasm', computeMs: 1 });
    }
    const first = await ledger.leaderboard(0, 2);
    const second = await ledger.leaderboard(2, 2);
    const last = await ledger.leaderboard(4, 2);
    expect([first, second, last].map((page) => page.total)).toEqual([5, 5, 5]);
    expect([...first.volunteers, ...second.volunteers, ...last.volunteers].map((v) => v.images)).toEqual([5, 4, 3, 2, 1]);
    expect((await ledger.leaderboard(10, 2)).volunteers).toEqual([]);
  });

  it('shows a name only once the volunteer sets one, and forgets it when cleared', async () => {
    const { ledger } = await fresh();
    await ledger.setDisplayName(A, 'Ada'); // before any credit: kept, but not on the board yet
    expect((await ledger.leaderboard(0, 10)).total).toBe(0);
    await ledger.record({ volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 5 });
    await ledger.record({ volunteerId: B, browser: 'firefox', backend: 'wasm', computeMs: 5 });
    expect((await ledger.leaderboard(0, 10)).volunteers.map((v) => v.displayName).sort()).toEqual(['Ada', null]);
    await ledger.setDisplayName(A, null);
    expect(await ledger.standing(A)).toMatchObject({ displayName: null, images: 1 });
  });

  it('totals by browser and by backend', async () => {
    const { ledger } = await fresh();
    await ledger.record({ volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 40 });
    await ledger.record({ volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 60 });
    await ledger.record({ volunteerId: B, browser: 'chromium', backend: 'webgl', computeMs: 20 });
    expect(await ledger.totals()).toEqual({
      images: 3,
      computeMs: 120,
      byBrowser: [
        { key: 'firefox', images: 2, computeMs: 100 },
        { key: 'chromium', images: 1, computeMs: 20 },
      ],
      byBackend: [
        { key: 'wasm', images: 2, computeMs: 100 },
        { key: 'webgl', images: 1, computeMs: 20 },
      ],
    });
  });

  it('keeps everything when reopened, as after a master restart', async () => {
    const { ledger, open } = await fresh();
    await ledger.record({ volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 7 });
    await ledger.setDisplayName(A, 'Ada');
    await ledger.close();
    opened.splice(opened.indexOf(ledger), 1);
    const again = await open();
    expect(await again.standing(A)).toEqual({ rank: 1, displayName: 'Ada', images: 1, computeMs: 7 });
    expect((await again.totals()).byBrowser).toEqual([{ key: 'firefox', images: 1, computeMs: 7 }]);
  });
});
