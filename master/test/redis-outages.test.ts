// A Redis store on a Redis that goes away: a reply saying Redis cannot serve now is unavailable,
// a master refuses to start without Redis, calls fail fast during an outage (and once the command timeout passes
// on a Redis that stopped answering) and work again once it is back, without reconnecting by hand; a lease script
// that timed out but ran late leaves no lease behind. Each test runs a redis-server of its own, to kill or pause.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis, ReplyError } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Lease } from '../store/job-store.ts';
import { reachRedis } from '../store/redis/redis-connection.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { freePort } from '../../test/support/free-port.ts';
import { until } from '../../test/support/jobs-client.ts';
import { result, useRedisStores, worker } from '../../test/support/redis-stores.ts';
import { startRedis, stopRedis } from '../../test/support/redis-server.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';

const { admin, connect } = useRedisStores();

describe('when Redis goes away', () => {
  let port: number;
  let server: ChildProcess | null = null;
  beforeAll(async () => {
    port = await freePort();
  });
  afterEach(async () => {
    if (server) await stopRedis(server, 'SIGKILL');
    server = null;
  });

  it('takes a reply saying Redis cannot serve now (a node loading, a cluster down) as unavailable, other replies as errors', async () => {
    const replies = [
      'LOADING Redis is loading the dataset in memory',
      'CLUSTERDOWN The cluster is down',
      'MASTERDOWN Link with MASTER is down',
      'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
    ];
    for (const reply of replies) await expect(reachRedis(() => Promise.reject(new ReplyError(reply)))).rejects.toBeInstanceOf(StoreUnavailableError);
    const wrongType = reachRedis(() => admin.hget(`test:${randomUUID()}:not-a-hash`, 'x').then(() => admin.call('LPUSH', 'x')));
    await expect(wrongType).rejects.toBeInstanceOf(ReplyError);
  });

  it('refuses to start without Redis', async () => {
    const started = Date.now();
    await expect(connect(`redis://127.0.0.1:${port}`)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails calls fast during the outage and works again once Redis is back, without reconnecting by hand', async () => {
    server = await startRedis(port);
    const store = await connect(`redis://127.0.0.1:${port}`);
    const changes: boolean[] = [];
    store.onAvailabilityChange((available) => changes.push(available));
    expect(store.available).toBe(true);
    await store.create(newJobs(1), T0);

    await stopRedis(server, 'SIGKILL');
    server = null;
    await until(() => changes.includes(false), 'store noticed the outage');
    expect(store.available).toBe(false);
    const calls = [
      () => store.create(newJobs(1), T0),
      () => store.lease([worker('w')], 1_000, T0),
      () => store.complete({ jobId: 'j', leaseId: 'l' }, 'w', result, T0),
      () => store.expiredLeases(T0, 0),
      () => store.get('j'),
      () => store.list({ limit: 10 }),
      () => store.counts(),
      () => store.image('j'),
    ];
    for (const call of calls) {
      const started = Date.now();
      await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2_000);
    }

    // A fresh Redis: no data and no cached scripts, which the store must load again.
    server = await startRedis(port);
    await until(() => store.available, 'store reconnected', 10_000);
    expect(changes).toEqual([false, true]);
    const { jobs } = await store.create(newJobs(1), T0);
    const [lease] = (await store.lease([worker('w')], 1_000, T0)) as [Lease];
    expect(lease.jobId).toBe(jobs[0]!.id);
    expect((await store.complete(lease, 'w', result, T0 + 1)).applied).toBe(true);
  });

  it("takes a Redis busy with a long script (another program's) as unavailable, and works again once it ends", async () => {
    server = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const store = await connect(url);
    const busy = new Redis(url);
    try {
      await busy.config('SET', 'busy-reply-threshold', '100');
      // A script that spins for a second: Redis answers others BUSY past the threshold, having run nothing for them.
      const spinning = busy.eval("local t = redis.call('TIME'); repeat until tonumber(redis.call('TIME')[1]) > tonumber(t[1]) + 1", 0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(store.create(newJobs(1), T0)).rejects.toBeInstanceOf(StoreUnavailableError);
      await spinning;
    } finally {
      busy.disconnect();
    }
    expect((await store.create(newJobs(1), T0)).jobs).toHaveLength(1);
    expect(await store.counts()).toMatchObject({ queued: 1 });
  });

  it('fails calls to a Redis that stopped answering once the command timeout passes', async () => {
    server = await startRedis(port);
    const store = await connect(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 300 });
    server.kill('SIGSTOP');
    try {
      const started = Date.now();
      await expect(store.counts()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      server.kill('SIGCONT');
    }
    await until(async () => (await store.counts().catch(() => null)) !== null, 'Redis answering again');
  });

  it.each([1, 3])('puts back, as lost, what a lease call that timed out leased once Redis ran it late (%i partitions)', async (partitions) => {
    server = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const store = await connect(url, { commandTimeoutMs: 100, partitions, firstTurn: 0 });
    const own = new Redis(url);
    try {
      // One job a partition, leased and answered, so that the lease script is loaded: a paused call sends only EVALSHA.
      for (let p = 0; p < partitions; p++) await store.create(newJobs(1), T0);
      const warm = (await store.lease([worker('a'), worker('b'), worker('c')].slice(0, partitions), 1_000, T0)) as Lease[];
      for (const lease of warm) await store.complete(lease, lease.job.worker!, result, T0);
      const ids: string[] = [];
      for (let p = 0; p < partitions; p++) ids.push((await store.create(newJobs(1), T0)).jobs[0]!.id);

      for (let round = 0; round < 3; round++) {
        // Redis stalls past the timeout of every partition's lease script (however late the timers fire), then runs
        // each of them. The store's next calls go out on the same connection, behind those late scripts.
        await own.call('CLIENT', 'PAUSE', 60_000, 'WRITE');
        await expect(store.lease([worker('w')], 1_000, T0)).rejects.toBeInstanceOf(StoreUnavailableError);
        await own.call('CLIENT', 'UNPAUSE');
        // The reaper, past every deadline: a lease left behind would end as an expired attempt of "w".
        for (const lease of await store.expiredLeases(T0 + 2_000, 0)) await store.release(lease, 'expired', 'lease expired', T0 + 2_000);
      }

      // No worker ever got these jobs: three expired attempts would have failed each.
      for (const id of ids) {
        const job = (await store.getDetail(id))!;
        expect(job.status).toBe('queued');
        expect(job.timeline.map((attempt) => [attempt.outcome, attempt.reason])).toEqual(
          Array.from({ length: 3 }, () => ['lost', 'the master could not hand the job out (Redis unavailable: Command timed out)']),
        );
      }
    } finally {
      own.disconnect();
    }
  });

  it("ends a lease put back so at the job's last lease with the limits and the time it was handed", async () => {
    server = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    // Each limit its own value, so that a limit read from its neighbour's place changes the end: the second unanswered
    // lease fails the job (MAX_LEASES 2, not MAX_ATTEMPTS 3 nor FAILURE_QUORUM 4), its error listing one attempt.
    const limits = { ...DEFAULT_TEST_LIMITS, maxAttempts: 3, maxLeases: 2, failureQuorum: 4, errorAttemptsShown: 1 };
    const store = await connect(url, { commandTimeoutMs: 100, limits });
    const own = new Redis(url);
    try {
      await store.create(newJobs(1), T0);
      const [warm] = (await store.lease([worker('a')], 1_000, T0)) as Lease[];
      await store.complete(warm!, 'a', result, T0);
      const id = (await store.create(newJobs(1), T0)).jobs[0]!.id;
      const [first] = (await store.lease([worker('w')], 1_000, T0)) as Lease[];
      await store.release(first!, 'lost', 'socket closed', T0 + 1);

      const PAUSE_MS = 600;
      await own.call('CLIENT', 'PAUSE', PAUSE_MS, 'WRITE');
      await expect(store.lease([worker('w')], 1_000, T0 + 7)).rejects.toBeInstanceOf(StoreUnavailableError);
      // A read answered at all is answered after the late lease and its release, sent before it on the same connection.
      let job: Awaited<ReturnType<typeof store.getDetail>> = null;
      await until(async () => (job = await store.getDetail(id).catch(() => null)) !== null, 'Redis answering again');

      const reason = 'the master could not hand the job out (Redis unavailable: Command timed out)';
      const at = (ms: number) => new Date(ms).toISOString();
      expect(job!.status).toBe('failed');
      expect(job!.error).toBe(`1 earlier attempt is in the job's timeline; attempt 2, worker w (operator fleet): lost (${reason})`);
      expect(job!.finishedAt).toBe(at(T0 + 7));
      expect(job!.timeline.map((attempt) => [attempt.outcome, attempt.reason, attempt.endedAt])).toEqual([
        ['lost', 'socket closed', at(T0 + 1)],
        ['lost', reason, at(T0 + 7)],
      ]);
    } finally {
      own.disconnect();
    }
  });
});
