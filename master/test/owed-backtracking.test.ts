// Backtracking after a blacklisting is owed until it is done, through real masters on both stores: the identity store
// records it owed in the blacklisting's own write and clears it once every job that leaned on the liar is reopened, so
// a store error midway (a Redis failover; on a Cluster, one unreachable node) or a master dying before the walk leaves
// it owed, and the lease reaper's tick, here or on a master started on the same data, walks it again. Before, it ran
// once: the liar was refused from then on, and the jobs resting on its word stayed verified for good.
import { describe, expect, it, vi } from 'vitest';
import { classify, submitColours, useColourGold } from '../../test/support/colour-gold.ts';
import { getJob, settled, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';
import { tempDataDir } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import { RedisIdentityStore } from '../identity/redis-identity-store.ts';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';
import { CloseCode } from '../protocol.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { Verifier } from '../trust/verification.ts';

const colourGold = useColourGold();
const grid = useTestMasters();
const uploads = uploadsFrom(devImages(1).map((image) => image.path));

describe.each(['sqlite', 'redis'] as const)('backtracking owed after a blacklisting, on the %s store', (storeName) => {
  it('is walked again after the store failed midway: the jobs the liar finished are reopened', async () => {
    let verifier: Verifier | undefined;
    const gold = { goldDir: colourGold.dir(), goldFraction: 0.5 };
    const m = await grid.start(storeName, gold, { verifier: (config, records) => (verifier = new Verifier(config, records)) });
    const [id] = await submitColours(m.url, 1);
    // Honest until told to lie; on a test master one volunteer's answer settles a job.
    let lying = false;
    const liar = await grid.connect(m, {
      name: 'liar',
      onJob: (job, self) => void classify(job).then((index) => self.succeed(job.header, lying ? 999 : index)),
    });
    const { workerId } = liar.welcome.identity;
    const [done] = await settled(m.url, [id!], 20_000);
    expect(done!.result!.verification).toMatchObject({ state: 'verified', replicas: [{ workerId, agreed: true }] });

    // The backtracking's walk fails once, as on a Redis failover.
    const reopen = vi.spyOn(m.store, 'reopenAnsweredBy').mockRejectedValueOnce(new StoreUnavailableError('Redis failed over'));
    lying = true;
    // Jobs keep coming until a spot check reaches the liar (at GOLD_FRACTION 0.5, half the slots dealt to it).
    let closedWith: number | undefined;
    void liar.closed.then((code) => (closedWith = code));
    while (closedWith === undefined) {
      const more = await submitColours(m.url, 2);
      await until(() => closedWith !== undefined || more.every((job) => liar.jobs.some((dealt) => dealt.header.jobId === job)), 'the new jobs dealt');
    }
    expect(closedWith).toBe(CloseCode.identityRevoked);

    // A lease reaper tick walks it again: the job it finished is verified again, and nothing is owed any more.
    await until(async () => (await getJob(m.url, id!)).status === 'queued', 'the job reopened by a retry');
    expect((await getJob(m.url, id!)).error).toContain('blacklisted');
    expect(reopen.mock.calls.length).toBeGreaterThanOrEqual(2);
    await until(async () => (await verifier!.owedBacktracks()).length === 0, 'the backtracking no longer owed');
  });

  it('is walked by a master started on the same data after one died between the blacklisting and the walk', async () => {
    const dataDir = tempDataDir();
    const redisPrefix = storeName === 'redis' ? grid.redisPrefix() : undefined;
    const onData = { dataDir, ...(redisPrefix ? { redisPrefix } : {}) };
    const before = await grid.start(storeName, onData);
    const [id] = await submit(before.url, uploads);
    const volunteer = await grid.connect(before, { onJob: (job, self) => self.succeed(job.header, 3) });
    const { workerId } = volunteer.welcome.identity;
    const [done] = await settled(before.url, [id!], 20_000);
    expect(done!.result!.verification).toMatchObject({ state: 'verified', replicas: [{ workerId, agreed: true }] });
    await before.close();

    // The dead master's last write: the blacklisting. Its walk never ran.
    const identities = redisPrefix ? await RedisIdentityStore.connect({ url: TEST_REDIS_URL }, redisPrefix) : new SqliteIdentityStore(dataDir);
    await identities.blacklist(workerId, 'failed a spot check');
    await identities.close();

    const restarted = await grid.start(storeName, onData);
    await until(async () => (await getJob(restarted.url, id!)).status === 'queued', 'the job reopened by the restarted master');
    expect(restarted.lifecycle.counters.transitions.reopened).toBe(1);
  });
});
