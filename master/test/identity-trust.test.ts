// Trust records in both identity stores, on real SQLite and real Redis: spot checks counted per
// identity, exactly, even when two masters count at once; blacklisting keeps its first reason and
// revokes the identity; revoking alone still works as before and blacklists nothing.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import type { IdentityStore } from '../identity/identity-store.ts';
import { RedisIdentityStore } from '../identity/redis-identity-store.ts';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';

/** Opens a store on fresh data; `again` opens another on the same data, as a second master would. */
interface Opened {
  store: IdentityStore;
  again(): Promise<IdentityStore>;
  dispose(): Promise<void>;
}

const kinds: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'identities-'));
      const stores: IdentityStore[] = [new SqliteIdentityStore(dir)];
      return {
        store: stores[0]!,
        async again() {
          stores.push(new SqliteIdentityStore(dir));
          return stores.at(-1)!;
        },
        async dispose() {
          for (const store of stores) await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    async open() {
      const prefix = `test:${randomUUID()}:`;
      const connect = () => RedisIdentityStore.connect({ url: TEST_REDIS_URL }, prefix);
      const stores: IdentityStore[] = [await connect()];
      return {
        store: stores[0]!,
        async again() {
          stores.push(await connect());
          return stores.at(-1)!;
        },
        async dispose() {
          for (const store of stores) await store.close();
          await deleteRedisKeys(prefix);
        },
      };
    },
  },
];

describe.each(kinds)('trust records in the $name identity store', (kind) => {
  let opened: Opened;
  afterEach(() => opened?.dispose());
  const open = async () => (opened = await kind.open()).store;

  it('starts every identity at zero checks, not blacklisted, and counts passed and failed checks apart', async () => {
    const store = await open();
    expect(await store.trustRecord('never-seen')).toEqual({
      spotChecksPassed: 0,
      spotChecksFailed: 0,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: false,
    });
    expect(await store.recordSpotCheck('w1', true)).toEqual({
      spotChecksPassed: 1,
      spotChecksFailed: 0,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: false,
    });
    expect(await store.recordSpotCheck('w1', true)).toEqual({
      spotChecksPassed: 2,
      spotChecksFailed: 0,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: false,
    });
    expect(await store.recordSpotCheck('w1', false)).toEqual({
      spotChecksPassed: 2,
      spotChecksFailed: 1,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: false,
    });
    expect(await store.trustRecord('w1')).toEqual({ spotChecksPassed: 2, spotChecksFailed: 1, answersJudged: 0, answersOutvoted: 0, blacklisted: false });
    expect(await store.trustRecord('w2')).toEqual({ spotChecksPassed: 0, spotChecksFailed: 0, answersJudged: 0, answersOutvoted: 0, blacklisted: false });
  });

  it('counts judged and outvoted answers apart from spot checks, exactly when two masters count at once', async () => {
    const store = await open();
    const other = await opened.again();
    await store.recordSpotCheck('voter', true);
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? store : other).recordJudgedAnswer('voter', i % 5 === 0)));
    expect(await other.recordJudgedAnswer('voter', true)).toEqual({
      spotChecksPassed: 1,
      spotChecksFailed: 0,
      answersJudged: 31,
      answersOutvoted: 7,
      blacklisted: false,
    });
  });

  it('counts every check exactly when two masters record checks of one identity at once', async () => {
    const store = await open();
    const other = await opened.again();
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? store : other).recordSpotCheck('busy', i % 3 !== 0)));
    expect(await other.trustRecord('busy')).toEqual({ spotChecksPassed: 40, spotChecksFailed: 20, answersJudged: 0, answersOutvoted: 0, blacklisted: false });
  });

  it('blacklists with the first reason given, revokes the identity, and keeps its counts', async () => {
    const store = await open();
    await store.recordSpotCheck('liar', true);
    await store.recordSpotCheck('liar', false);
    await store.blacklist('liar', 'answered gold job g-1 with 7, expected 3');
    await store.blacklist('liar', 'a later reason');
    expect(await store.isRevoked('liar')).toBe(true);
    const expected = {
      spotChecksPassed: 1,
      spotChecksFailed: 1,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: true,
      blacklistedReason: 'answered gold job g-1 with 7, expected 3',
    };
    expect(await store.trustRecord('liar')).toEqual(expected);
    // Another master sees it too, and a blacklisted identity never checked before has a record.
    const other = await opened.again();
    expect(await other.trustRecord('liar')).toEqual(expected);
    await other.blacklist('fresh', 'reason');
    expect(await store.trustRecord('fresh')).toEqual({
      spotChecksPassed: 0,
      spotChecksFailed: 0,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: true,
      blacklistedReason: 'reason',
    });
    expect(await store.isRevoked('fresh')).toBe(true);
  });

  it('still revokes without blacklisting', async () => {
    const store = await open();
    await store.revoke('revoked');
    expect(await store.isRevoked('revoked')).toBe(true);
    expect(await store.isRevoked('other')).toBe(false);
    expect((await store.trustRecord('revoked')).blacklisted).toBe(false);
  });
});
