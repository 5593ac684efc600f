// Retention forgets identities idle past IDENTITY_TOKEN_MAX_AGE_MS, on real SQLite and real Redis: their trust record,
// revocation and sighting go, a batch at a time, oldest first, while an identity seen since (a hello renewed its
// token) keeps them; a record written for an identity never seen gets a sighting then; a store from before sightings
// counts its identities as seen at the upgrade. Through a real master: an identity revoked and then forgotten is still
// refused, as every token it holds has expired.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_STORE_KINDS, type OpenedIdentityStore } from '../../test/support/identity-stores.ts';
import { deleteRedisKeys, redisAdmin, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { tempDataDir } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import { identityKeys, RedisIdentityStore } from '../identity/redis-identity-store.ts';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';
import { WorkerRefusedError } from '../../metrics/synthetic-worker.ts';
import type { IdentityStore } from '../identity/identity-store.ts';
import { newWorkerId, WorkerTokens } from '../identity/worker-tokens.ts';
import { CloseCode } from '../protocol.ts';

const DAY = 24 * 3_600_000;
const MAX_AGE = 30 * DAY;
const NOTHING = { spotChecksPassed: 0, spotChecksFailed: 0, answersJudged: 0, answersOutvoted: 0, blacklisted: false };

describe.each(IDENTITY_STORE_KINDS)('idle identities in the $name identity store', (kind) => {
  let opened: OpenedIdentityStore;
  afterEach(() => opened?.dispose());
  const open = async () => (opened = await kind.open()).store;

  it('forgets a retention batch larger than a Lua script can unpack at once (RETENTION_BATCH goes up to 100,000)', async () => {
    const store = await open();
    const idle = 9_000;
    for (let done = 0; done < idle; done += 500) await Promise.all(Array.from({ length: 500 }, (_, i) => store.seen(`idle-${done + i}`, 1_000)));
    await store.revoke('idle-0');
    expect(await store.forgetIdle(1_000, 10_000)).toHaveLength(idle);
    expect(await store.forgetIdle(1_000, 10_000)).toHaveLength(0);
    expect(await store.isRevoked('idle-0')).toBe(false);
  });

  it('forgets the trust record and revocation of identities idle past the max age, oldest first, and keeps those seen since', async () => {
    const store = await open();
    const now = Date.now();
    const longAgo = now - MAX_AGE - DAY;
    await store.seen('idle-blacklisted', longAgo);
    await store.recordSpotCheck('idle-blacklisted', false);
    await store.blacklist('idle-blacklisted', 'failed a spot check');
    await store.seen('idle-checked', longAgo + 1);
    await store.recordSpotCheck('idle-checked', true);
    // Seen long ago, then again at a hello that renewed its token: active.
    await store.seen('active', longAgo);
    await store.recordSpotCheck('active', true);
    await store.blacklist('active', 'outvoted too often');
    await store.seen('active', now - DAY);
    // A sighting never moves back.
    await store.seen('active', longAgo);

    const seenBy = now - MAX_AGE;
    expect(await store.forgetIdle(seenBy, 1)).toEqual(['idle-blacklisted']);
    expect(await store.isRevoked('idle-blacklisted')).toBe(false);
    expect(await store.trustRecord('idle-blacklisted')).toEqual(NOTHING);
    expect(await store.trustRecord('idle-checked')).toMatchObject({ spotChecksPassed: 1 });
    expect(await store.forgetIdle(seenBy, 1)).toEqual(['idle-checked']);
    expect(await store.trustRecord('idle-checked')).toEqual(NOTHING);
    expect(await store.forgetIdle(seenBy, 1)).toHaveLength(0);

    expect(await store.isRevoked('active')).toBe(true);
    expect(await store.trustRecord('active')).toMatchObject({ spotChecksPassed: 1, blacklisted: true, blacklistedReason: 'outvoted too often' });
    // What is owed is not forgotten with it: the backtracking of a blacklisting still runs.
    expect((await store.owedBacktracks()).map((owed) => owed.workerId).sort()).toEqual(['active', 'idle-blacklisted']);
  });

  it('gives an identity never seen a sighting when a record is written for it, so that it is forgotten in time too', async () => {
    const store = await open();
    const before = Date.now();
    await store.revoke('revoked-by-the-operator');
    await store.recordJudgedAnswer('judged-only', 'job-1', true);
    expect(await store.forgetIdle(before - 1, 10)).toHaveLength(0);
    expect(await store.isRevoked('revoked-by-the-operator')).toBe(true);
    expect(await store.forgetIdle(Date.now(), 10)).toHaveLength(2);
    expect(await store.isRevoked('revoked-by-the-operator')).toBe(false);
    expect(await store.trustRecord('judged-only')).toEqual(NOTHING);
  });
});

describe('identity stores from before sightings', () => {
  it('SQLite: counts every revoked or recorded identity as seen at the upgrade', async () => {
    const dir = tempDataDir();
    const before = new SqliteIdentityStore(dir);
    await before.revoke('revoked');
    await before.recordSpotCheck('checked', true);
    await before.close();
    const db = new Database(path.join(dir, 'identities.sqlite'));
    db.exec('DROP TABLE identity_seen');
    db.close();

    const upgradedAt = Date.now();
    const store = new SqliteIdentityStore(dir);
    expect(await store.forgetIdle(upgradedAt - 1, 10)).toHaveLength(0);
    expect(await store.forgetIdle(Date.now(), 10)).toHaveLength(2);
    expect(await store.isRevoked('revoked')).toBe(false);
    await store.close();
  });

  it('Redis: counts every revoked or recorded identity as seen when the first new master connects, once', async () => {
    const prefix = `test:idle-${Date.now()}:`;
    const keys = identityKeys(prefix);
    const admin = redisAdmin({ url: TEST_REDIS_URL });
    try {
      await admin.sadd(keys.revoked, 'revoked');
      await admin.hset(keys.trust, 'checked:passed', '1', 'checked:blacklisted', 'a reason');
      const upgradedAt = Date.now();
      const store = await RedisIdentityStore.connect({ url: TEST_REDIS_URL }, prefix);
      expect(await admin.get(keys.seenIndexed)).toBe('1');
      expect(await store.forgetIdle(upgradedAt - 1, 10)).toHaveLength(0);
      expect(await store.forgetIdle(Date.now(), 10)).toHaveLength(2);
      expect(await store.isRevoked('revoked')).toBe(false);
      expect(await admin.hlen(keys.trust)).toBe(0);
      await store.close();
    } finally {
      admin.disconnect();
      await deleteRedisKeys(prefix);
    }
  });
});

describe('an identity forgotten by retention', () => {
  const grid = useTestMasters();

  it.each(['sqlite', 'redis'] as const)('stays refused on %s once its revocation is forgotten: every token it holds has expired', async (store) => {
    const secret = 'the-token-secret-of-this-test-'.repeat(2);
    const m = await grid.start(store, { workerTokenSecret: secret, identityTokenMaxAgeMs: MAX_AGE });
    const identities = (m.identities as unknown as { store: IdentityStore }).store;
    // The sweep at start is over, so the one below is a sweep of its own, not that one joined.
    await m.retention.idle();
    // Revoked, and last seen twice the max age and a day ago, when its newest token was issued.
    const revokedLongAgo = async (lastSeen: number) => {
      const identity = new WorkerTokens(secret, MAX_AGE, () => lastSeen).renew(newWorkerId(), 'volunteer');
      await identities.seen(identity.workerId, lastSeen);
      await identities.revoke(identity.workerId);
      return identity;
    };
    const revoked = await revokedLongAgo(Date.now() - 2 * MAX_AGE - DAY);
    // Its token expired on this clock too, but a master whose clock runs a day behind still takes it: kept revoked.
    const lately = await revokedLongAgo(Date.now() - MAX_AGE - DAY);
    const active = (await grid.connect(m)).welcome.identity;

    expect(await m.retention.sweep()).toMatchObject({ identities: 1 });
    expect(await identities.isRevoked(revoked.workerId)).toBe(false);
    expect(await identities.isRevoked(lately.workerId)).toBe(true);
    const refused = await grid.connect(m, { hello: { identity: revoked } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkerRefusedError);
    expect(refused).toMatchObject({ code: CloseCode.identityExpired });
    // The identity seen at its hello just now is kept, and comes back.
    expect((await grid.connect(m, { hello: { identity: active } })).welcome.identity.workerId).toBe(active.workerId);
  });
});
