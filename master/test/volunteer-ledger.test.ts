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
let jobs = 0;
/** A job id of its own for each credit, unless a test means the same job. */
const nextJob = () => `job-${++jobs}`;

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
      for (let i = 0; i < count; i++) await ledger.record({ jobId: nextJob(), volunteerId, browser: 'firefox', backend: 'wasm', computeMs: 10 });
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
      for (let n = 0; n <= i; n++) await ledger.record({ jobId: nextJob(), volunteerId, browser: 'chromium', backend: 'wasm', computeMs: 1 });
    }
    const first = await ledger.leaderboard(0, 2);
    const second = await ledger.leaderboard(2, 2);
    const last = await ledger.leaderboard(4, 2);
    expect([first, second, last].map((page) => page.total)).toEqual([5, 5, 5]);
    expect([...first.volunteers, ...second.volunteers, ...last.volunteers].map((v) => v.images)).toEqual([5, 4, 3, 2, 1]);
    expect((await ledger.leaderboard(10, 2)).volunteers).toEqual([]);
  });

  it('ranks every page as the whole board does, ties sharing a rank across a page boundary', async () => {
    const { ledger } = await fresh();
    const scores = [5, 3, 3, 3, 2, 2, 1];
    for (const [i, images] of scores.entries()) {
      for (let n = 0; n < images; n++)
        await ledger.record({ jobId: nextJob(), volunteerId: `volunteer-tie-${i}-xxxxxx`, browser: 'chromium', backend: 'wasm', computeMs: 1 });
    }
    const pages = await Promise.all([0, 2, 4, 6].map((offset) => ledger.leaderboard(offset, 2)));
    expect(pages.flatMap((page) => page.volunteers.map((v) => [v.rank, v.images]))).toEqual([
      [1, 5],
      [2, 3],
      [2, 3],
      [2, 3],
      [5, 2],
      [5, 2],
      [7, 1],
    ]);
  });

  it('shows a name only once the volunteer sets one, and forgets it when cleared', async () => {
    const { ledger } = await fresh();
    await ledger.setDisplayName(A, 'Ada'); // before any credit: kept, but not on the board yet
    expect((await ledger.leaderboard(0, 10)).total).toBe(0);
    await ledger.record({ jobId: nextJob(), volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 5 });
    await ledger.record({ jobId: nextJob(), volunteerId: B, browser: 'firefox', backend: 'wasm', computeMs: 5 });
    expect((await ledger.leaderboard(0, 10)).volunteers.map((v) => v.displayName).sort()).toEqual(['Ada', null]);
    await ledger.setDisplayName(A, null);
    expect(await ledger.standing(A)).toMatchObject({ displayName: null, images: 1 });
  });

  it('totals by browser and by backend', async () => {
    const { ledger } = await fresh();
    await ledger.record({ jobId: nextJob(), volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 40 });
    await ledger.record({ jobId: nextJob(), volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 60 });
    await ledger.record({ jobId: nextJob(), volunteerId: B, browser: 'chromium', backend: 'webgl', computeMs: 20 });
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

  it('credits a volunteer once per job however often the job ends on its answer, and forgets the pair at retention', async () => {
    const { ledger } = await fresh();
    const T0 = Date.UTC(2026, 0, 1);
    const credit = (jobId: string, volunteerId: string, at: number) =>
      ledger.record({ jobId, volunteerId, browser: 'firefox', backend: 'wasm', computeMs: 10 }, at);
    expect(await credit('job-x', A, T0)).toBe(true);
    expect(await credit('job-x', B, T0)).toBe(true);
    // The same job verified again (after a blacklisting) ends on A's answer again: nothing more for A.
    expect(await credit('job-x', A, T0 + 50)).toBe(false);
    expect(await credit('job-y', A, T0 + 10)).toBe(true);
    expect(await ledger.standing(A)).toMatchObject({ images: 2, computeMs: 20 });
    expect((await ledger.totals()).images).toBe(3);

    // Remembered as of the last time: (job-x, A) at T0 + 50, (job-x, B) at T0, (job-y, A) at T0 + 10.
    expect(await ledger.forgetCredited(T0 - 1, 10)).toBe(0);
    expect(await ledger.forgetCredited(T0 + 10, 1)).toBe(1);
    expect(await ledger.forgetCredited(T0 + 10, 10)).toBe(1);
    expect(await credit('job-x', A, T0 + 60)).toBe(false);
    expect(await ledger.forgetCredited(T0 + 60, 10)).toBe(1);
    // Forgotten pairs only go out of the memory: the credit they earned stays.
    expect(await ledger.standing(A)).toMatchObject({ images: 2, computeMs: 20 });
    expect(await ledger.standing(B)).toMatchObject({ images: 1 });
  });

  it('forgets a retention batch larger than a Lua script can unpack at once (RETENTION_BATCH goes up to 100,000)', async () => {
    const { ledger } = await fresh();
    const pairs = 9_000;
    for (let done = 0; done < pairs; done += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          ledger.record({ jobId: `job-${done + i}`, volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 1 }, 1_000),
        ),
      );
    }
    expect(await ledger.forgetCredited(1_000, 10_000)).toBe(pairs);
    expect(await ledger.forgetCredited(1_000, 10_000)).toBe(0);
    expect((await ledger.standing(A))?.images).toBe(pairs);
  });

  it("forgets the names of identities retention forgot that were never credited, a retention batch at a time, and keeps a credited volunteer's", async () => {
    const { ledger } = await fresh();
    // More than one script's worth of names (the Redis ledger passes them a thousand at a time).
    const named = Array.from({ length: 2_500 }, (_, i) => `named-${i}`);
    for (let done = 0; done < named.length; done += 500) await Promise.all(named.slice(done, done + 500).map((id) => ledger.setDisplayName(id, 'Spam')));
    await ledger.setDisplayName(A, 'Ada');
    await ledger.record({ jobId: nextJob(), volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 5 });
    await ledger.forgetNames([...named, A]);
    // A credit that comes later (a job verified on an old vote) starts the row anew, with no name.
    for (const id of [named[0]!, named[2_499]!]) {
      await ledger.record({ jobId: nextJob(), volunteerId: id, browser: 'firefox', backend: 'wasm', computeMs: 5 });
      expect(await ledger.standing(id)).toMatchObject({ displayName: null, images: 1 });
    }
    expect(await ledger.standing(A)).toMatchObject({ displayName: 'Ada', images: 1 });
  });

  it('keeps everything when reopened, as after a master restart', async () => {
    const { ledger, open } = await fresh();
    await ledger.record({ jobId: nextJob(), volunteerId: A, browser: 'firefox', backend: 'wasm', computeMs: 7 });
    await ledger.setDisplayName(A, 'Ada');
    await ledger.close();
    opened.splice(opened.indexOf(ledger), 1);
    const again = await open();
    expect(await again.standing(A)).toEqual({ rank: 1, displayName: 'Ada', images: 1, computeMs: 7 });
    expect((await again.totals()).byBrowser).toEqual([{ key: 'firefox', images: 1, computeMs: 7 }]);
  });
});

describe('the SQLite leaderboard', () => {
  it('keeps no row for an identity that only said it has no name, as every page does at start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-ledger-'));
    const ledger = new SqliteVolunteerLedger(dir);
    try {
      const rows = () => (ledger['db'].prepare('SELECT COUNT(*) AS n FROM volunteers').get() as { n: number }).n;
      for (let i = 0; i < 10; i++) await ledger.setDisplayName(`nameless-${i}`, null);
      expect(rows()).toBe(0);
      await ledger.setDisplayName('named', 'Ada');
      await ledger.setDisplayName('named', null);
      expect(rows()).toBe(1);
    } finally {
      await ledger.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a deep page off its index: no sort of all volunteers, no count for each row skipped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-ledger-'));
    const ledger = new SqliteVolunteerLedger(dir);
    try {
      const db = ledger['db'];
      const insert = db.prepare('INSERT INTO volunteers (id, images) VALUES (?, ?)');
      db.transaction(() => {
        for (let i = 0; i < 20_000; i++) insert.run(`volunteer-${i}`, 1 + (i % 997));
      })();
      // The statements the leaderboard runs, each explained as SQLite will run it.
      const asked: string[] = [];
      const internals = ledger as unknown as { sql: (text: string) => unknown };
      const sql = internals.sql;
      internals.sql = (text) => (asked.push(text), sql(text));
      const page = await ledger.leaderboard(19_000, 100);
      const plans = asked.map((text) =>
        db
          .prepare(`EXPLAIN QUERY PLAN ${text}`)
          .all(...Array.from({ length: (text.match(/\?/g) ?? []).length }, () => 1))
          .map((step) => (step as { detail: string }).detail)
          .join('; '),
      );
      expect(plans.length).toBeGreaterThan(1);
      for (const plan of plans) expect(plan).not.toMatch(/TEMP B-TREE|CORRELATED|SCAN volunteers$|SCAN volunteers;/);
      // Ranked as the whole board ranks it.
      const rankOf = (images: number) => (db.prepare('SELECT COUNT(*) AS n FROM volunteers WHERE images > ?').get(images) as { n: number }).n + 1;
      expect(page.volunteers).toHaveLength(100);
      expect(page.volunteers.map((v) => v.rank)).toEqual(page.volunteers.map((v) => rankOf(v.images)));
    } finally {
      await ledger.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
