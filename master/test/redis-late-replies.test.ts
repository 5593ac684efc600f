// A delete or a worker's answer that Redis ran after the master's call had timed out (Redis stalled, then caught up):
// the master finds out once Redis answers again and announces it as it would have in time (its event, the worker
// holding a deleted job told to drop it, the follow-ups of an answer), once; a call Redis never ran is told as not
// run, and one the master never sent, or Redis refused having run nothing, has nothing to tell late. Each test runs a
// redis-server of its own, to pause.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeConfig } from '../config.ts';
import type { LiveEvent } from '../api-types.ts';
import { LiveEvents } from '../events/live-events.ts';
import { WorkerRegistry } from '../hub/worker-registry.ts';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';
import { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import { createLogger } from '../log.ts';
import type { WorkerClass } from '../protocol.ts';
import type { Lease, LeaseRef, Transition } from '../store/job-store.ts';
import { RedisJobStore } from '../store/redis-job-store.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { StoreUnavailableError, UnansweredCallError } from '../store/store-errors.ts';
import { Verifier } from '../trust/verification.ts';
import { freePort } from '../../test/support/free-port.ts';
import { until } from '../../test/support/jobs-client.ts';
import { defaultModelDir } from '../../test/support/paths.ts';
import { result, useRedisStores, worker } from '../../test/support/redis-stores.ts';
import { startRedis, stopRedis } from '../../test/support/redis-server.ts';
import { startRedisCluster } from '../../test/support/redis-cluster.ts';
import { stallingProxy } from '../../test/support/stalling-proxy.ts';
import { newJobs, T0 } from '../../test/support/store-fixtures.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { tempDataDir } from '../../test/support/test-master.ts';
import { newSession } from '../../test/support/worker-sessions.ts';

const { connect } = useRedisStores();

/**
 * The stores' command timeout, after which a call Redis holds fails. A second, not 100 ms: it also bounds connecting
 * and every other call of a test, which on a loaded machine (the suite's files run side by side) can take longer.
 */
const COMMAND_TIMEOUT_MS = 1_000;

let server: ChildProcess;
let serverPort: number;
let own: Redis;
let store: RedisJobStore;
const closing: { close(): Promise<void> }[] = [];
beforeEach(async () => {
  serverPort = await freePort();
  server = await startRedis(serverPort);
  const url = `redis://127.0.0.1:${serverPort}`;
  own = new Redis(url);
  store = await connect(url, { commandTimeoutMs: COMMAND_TIMEOUT_MS });
  // Each script used once, so that Redis holds it: a call sent while Redis is paused is sent by hash alone.
  await store.create(newJobs(3), T0);
  const [toDelete, toComplete, toVote] = (await store.lease([worker('a'), worker('b'), worker('c')], 60_000, T0)) as Lease[];
  await store.complete(toComplete!, 'b', result, T0);
  await store.vote(toVote!, 'c', result, false, T0);
  // Nothing left queued: the lifecycle's dispatch deals a test's workers nothing more.
  for (const lease of [toDelete!, toVote!]) await store.remove(lease.jobId);
});
afterEach(async () => {
  for (const closed of closing.splice(0).reverse()) await closed.close();
  own.disconnect();
  await stopRedis(server);
});

/** Redis stalls (writes only, as while it catches up or fails over) until `resume`: a call sent meanwhile runs then. */
async function stalled<T>(call: () => Promise<T>): Promise<{ error: unknown; resume: () => Promise<unknown> }> {
  await own.call('CLIENT', 'PAUSE', 60_000, 'WRITE');
  const error = await call().then(
    () => new Error('answered in time'),
    (rejected: unknown) => rejected,
  );
  return { error, resume: () => own.call('CLIENT', 'UNPAUSE') };
}

describe('the store', () => {
  it('tells, once Redis answers again, that a delete that timed out ran late', async () => {
    const [job] = (await store.create(newJobs(1), T0)).jobs;
    await store.lease([worker('w')], 60_000, T0);
    const { error, resume } = await stalled(() => store.remove(job!.id));
    expect(error).toBeInstanceOf(UnansweredCallError);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    await resume();
    // Its lease id went with the job: a holder is found by job id (job-lifecycle.ts, cancel).
    expect(await (error as UnansweredCallError).late).toEqual({ removed: true, lease: null });
    expect(await store.get(job!.id)).toBeNull();
  });

  it("tells, once Redis answers again, that a worker's answer that timed out ran late, with the job as it left it", async () => {
    await store.create(newJobs(1), T0);
    const [lease] = (await store.lease([worker('w')], 60_000, T0)) as Lease[];
    const { error, resume } = await stalled(() => store.complete(lease!, 'w', result, T0));
    expect(error).toBeInstanceOf(UnansweredCallError);
    await resume();
    expect(await (error as UnansweredCallError).late).toMatchObject({ applied: true, job: { id: lease!.jobId, status: 'done', result } });
  });

  /**
   * The store's connection goes through a proxy that freezes it: what is sent on it is lost, never reaching Redis, so
   * the call below certainly never runs; once the call has timed out the connection is dropped, and the store reads
   * the job on a new one.
   */
  async function lost<T>(call: (proxied: RedisJobStore, lease: Lease) => Promise<T>) {
    const proxy = await stallingProxy({ host: '127.0.0.1', port: serverPort });
    closing.push(proxy);
    const proxied = await connect(`redis://127.0.0.1:${proxy.port}`, { commandTimeoutMs: COMMAND_TIMEOUT_MS });
    await proxied.create(newJobs(1), T0);
    const [lease] = (await proxied.lease([worker('w')], 60_000, T0)) as Lease[];
    proxy.freezeOpen();
    const error = await call(proxied, lease!).then(
      () => new Error('answered in time'),
      (rejected: unknown) => rejected,
    );
    expect(error).toBeInstanceOf(UnansweredCallError);
    proxy.dropFrozen();
    return { late: await (error as UnansweredCallError).late, job: await proxied.getDetail(lease!.jobId), lease: lease! };
  }

  it('tells that a delete that timed out did not run, when Redis never got it', async () => {
    const { late, job, lease } = await lost((proxied, { jobId }) => proxied.remove(jobId));
    expect(late).toBeUndefined();
    expect(job).toMatchObject({ id: lease.jobId, status: 'leased', timeline: [{ leaseId: lease.leaseId, outcome: 'running' }] });
  });

  it("tells that a worker's answer that timed out did not run, when Redis never got it", async () => {
    const { late, job, lease } = await lost((proxied, held) => proxied.complete(held, 'w', result, T0));
    expect(late).toBeUndefined();
    expect(job).toMatchObject({ id: lease.jobId, status: 'leased', timeline: [{ leaseId: lease.leaseId, outcome: 'running' }] });
  });

  /** A call that fails as unavailable yet certainly did not run: its error carries no late outcome to watch for. */
  function unavailableOnly(error: unknown) {
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).not.toBeInstanceOf(UnansweredCallError);
  }

  it('fails a delete or an answer it never sent, not connected to Redis, as unavailable, with nothing to tell late', async () => {
    await store.create(newJobs(1), T0);
    const [lease] = (await store.lease([worker('w')], 60_000, T0)) as Lease[];
    await stopRedis(server);
    await until(() => !store.available, 'the store to see Redis gone', 10_000);
    unavailableOnly(await store.remove(lease!.jobId).catch((error: unknown) => error));
    unavailableOnly(await store.complete(lease!, 'w', result, T0).catch((error: unknown) => error));
    unavailableOnly(await store.vote(lease!, 'w', result, false, T0).catch((error: unknown) => error));
  });

  it('fails a delete or an answer Redis refused, busy with a script, as unavailable, with nothing to tell late', async () => {
    await store.create(newJobs(1), T0);
    const [lease] = (await store.lease([worker('w')], 60_000, T0)) as Lease[];
    await own.call('CONFIG', 'SET', 'busy-reply-threshold', 100);
    const busy = new Redis(`redis://127.0.0.1:${serverPort}`);
    closing.push({ close: async () => busy.disconnect() });
    const looping = busy.eval('while true do end', 0).catch((error: unknown) => error);
    const refusesAsBusy = () =>
      own.ping().then(
        () => false,
        (error: Error) => error.message.startsWith('BUSY'),
      );
    await until(refusesAsBusy, 'Redis to refuse calls as busy', 10_000);
    for (const call of [() => store.remove(lease!.jobId), () => store.complete(lease!, 'w', result, T0), () => store.vote(lease!, 'w', result, false, T0)]) {
      const error = await call().catch((rejected: unknown) => rejected);
      unavailableOnly(error);
      expect((error as Error).message).toMatch(/BUSY/);
    }
    await own.call('SCRIPT', 'KILL');
    expect(await looping).toBeInstanceOf(Error);
    // None of them ran: the job is as the lease left it, and the answer is taken now.
    expect(await store.getDetail(lease!.jobId)).toMatchObject({ status: 'leased', timeline: [{ leaseId: lease!.leaseId, outcome: 'running' }] });
    expect(await store.complete(lease!, 'w', result, T0)).toMatchObject({ applied: true, job: { status: 'done' } });
  });

  it('fails an answer a cluster refused, its slot served by no node, as unavailable, with nothing to tell late', async () => {
    const cluster = await startRedisCluster();
    closing.push({ close: () => cluster.stop() });
    const keyPrefix = `test:${randomUUID()}:`;
    const clustered = await RedisJobStore.connect({ target: { clusterNodes: cluster.addresses }, limits: DEFAULT_TEST_LIMITS, keyPrefix });
    closing.push(clustered);
    await clustered.create(newJobs(1), T0);
    const [lease] = (await clustered.lease([worker('w')], 60_000, T0)) as Lease[];
    const nodes = cluster.nodes.map(({ port }) => new Redis(port, '127.0.0.1'));
    closing.push({ close: async () => nodes.forEach((node) => node.disconnect()) });
    const jobs = new RedisKeys(keyPrefix).jobs;
    const slot = Number(await nodes[0]!.cluster('KEYSLOT', jobs));
    const owner = nodes[cluster.nodes.indexOf(await cluster.nodeOf(jobs))]!;
    // Every node forgets the slot: each answers CLUSTERDOWN, which the client asks again a while (1.6 s), then gives up
    // on. One call: the same refusal ends a delete or a vote, and each takes that long.
    for (const node of nodes) await node.cluster('DELSLOTS', slot);
    const error = await clustered.complete(lease!, 'w', result, T0).catch((rejected: unknown) => rejected);
    unavailableOnly(error);
    expect((error as Error).message).toMatch(/CLUSTERDOWN/);
    await owner.cluster('ADDSLOTS', slot);
    await until(() => clustered.get(lease!.jobId).then(Boolean, () => false), 'the slot served again', 10_000);
    expect(await clustered.getDetail(lease!.jobId)).toMatchObject({ status: 'leased', timeline: [{ leaseId: lease!.leaseId, outcome: 'running' }] });
  });
});

describe('the lifecycle', () => {
  /** A lifecycle on the store, recording the job events it publishes, with a session of `workerClass` holding a job. */
  async function holding(workerClass: WorkerClass) {
    const events = new LiveEvents();
    const seen: LiveEvent[] = [];
    events.subscribeLocal((event) => void ((event.type === 'job' || event.type === 'job-deleted') && seen.push(event)));
    const identities = new SqliteIdentityStore(tempDataDir());
    closing.push(identities);
    const verifier = new Verifier(makeConfig({ modelDir: defaultModelDir }), identities);
    const workers = new WorkerRegistry(events, 250);
    const lifecycle = new JobLifecycle({ store, events, workers, log: createLogger('silent'), leaseMs: 60_000, verifier, maxWaitingVotes: 32 });
    const session = newSession('holder', workerClass);
    workers.add(session);
    await store.create(newJobs(1), T0);
    const [lease] = (await store.lease([session.ref], 60_000, T0)) as Lease[];
    session.give(lease!);
    return { lifecycle, seen, session, lease: { jobId: lease!.jobId, leaseId: lease!.leaseId } };
  }

  /** Waits for `count` events, then a little longer, so that one more would be seen too. */
  async function settle(seen: unknown[], count: number) {
    await until(() => seen.length >= count, `${count} events`, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  it('announces a delete Redis ran after the call timed out, once, and tells the worker holding the job to drop it', async () => {
    const { lifecycle, seen, session, lease } = await holding('trusted');
    const sent = vi.spyOn(session, 'send');
    const { error, resume } = await stalled(() => lifecycle.cancel(lease.jobId));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(seen).toEqual([]);
    await resume();
    await settle(seen, 1);
    // Found by job id (its lease id went with the job), a turn of the event loop after the event.
    await until(() => sent.mock.calls.length > 0, 'the cancel sent', 10_000);
    expect(seen).toEqual([{ type: 'job-deleted', transition: 'cancelled', id: lease.jobId }]);
    expect(sent.mock.calls).toEqual([[{ type: 'cancel', ...lease }]]);
    expect(lifecycle.counters.transitions.cancelled).toBe(1);
    expect(await store.get(lease.jobId)).toBeNull();
  });

  /** The result a worker sends for its lease. */
  const answerTo = (lease: LeaseRef) => ({
    type: 'result' as const,
    ...lease,
    predictions: [{ index: 1, label: 'x', probability: 1 }],
    inferenceMs: 5,
    backend: 'wasm',
    model: 'm',
  });

  it.each([
    ['trusted', 'completed', 'done'],
    ['volunteer', 'answered', 'queued'],
  ] as const)("announces a %s worker's answer Redis ran after the call timed out, once, as %s", async (workerClass, transition, status) => {
    const { lifecycle, seen, session, lease } = await holding(workerClass);
    const message = answerTo(lease);
    const { error, resume } = await stalled(() => lifecycle.complete(session, message));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(seen).toEqual([]);
    await resume();
    await settle(seen, 1);
    expect(seen).toMatchObject([{ type: 'job', transition, job: { id: lease.jobId, status } }]);
    expect(lifecycle.counters.transitions[transition]).toBe(1);
    expect(session.jobsDone).toBe(1);
    expect(await store.get(lease.jobId)).toMatchObject({ status });
  });

  it.each([
    ['trusted', 'completed', 'done'],
    ['volunteer', 'answered', 'queued'],
  ] as const)("announces a %s worker's answer sent twice while Redis stalled, both calls timed out, once, as %s", async (workerClass, transition, status) => {
    const { lifecycle, seen, session, lease } = await holding(workerClass);
    const message = answerTo(lease);
    const { error, resume } = await stalled(async () => {
      const answers = await Promise.allSettled([lifecycle.complete(session, message), lifecycle.complete(session, message)]);
      if (answers.every((answer) => answer.status === 'rejected')) throw answers.map((answer) => (answer as PromiseRejectedResult).reason as unknown);
    });
    expect(error).toEqual([expect.any(UnansweredCallError), expect.any(UnansweredCallError)]);
    await resume();
    // Redis ran one and refused the other (its lease ended): both calls' lookouts find the lease's attempt ended so.
    for (const unanswered of error as UnansweredCallError[]) expect(await unanswered.late).toMatchObject({ applied: true, job: { status } });
    await settle(seen, 1);
    expect(seen).toMatchObject([{ type: 'job', transition, job: { id: lease.jobId, status } }]);
    expect(lifecycle.counters.transitions[transition]).toBe(1);
    expect(session.jobsDone).toBe(1);
  });

  it("does not announce again a worker's answer sent a second time, after the first was announced, when the second call timed out", async () => {
    const { lifecycle, seen, session, lease } = await holding('trusted');
    const message = answerTo(lease);
    await lifecycle.complete(session, message);
    expect(seen).toMatchObject([{ type: 'job', transition: 'completed', job: { id: lease.jobId, status: 'done' } }]);
    const { error, resume } = await stalled(() => lifecycle.complete(session, message));
    expect(error).toBeInstanceOf(UnansweredCallError);
    await resume();
    // Its lookout finds the lease's attempt done, as the first answer left it.
    expect(await (error as UnansweredCallError).late).toMatchObject({ applied: true, job: { status: 'done' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toHaveLength(1);
    expect(lifecycle.counters.transitions.completed).toBe(1);
    expect(session.jobsDone).toBe(1);
  });

  it("does not announce late a worker's answer whose call was lost, once the same answer sent again was announced in time", async () => {
    const { lifecycle, seen, session, lease } = await holding('trusted');
    const message = answerTo(lease);
    // The first call is lost with its connection (never ran); what its lookout reads, the test tells once the second ran.
    let tellLate!: (transition: Transition | undefined) => void;
    const late = new Promise<Transition | undefined>((resolve) => (tellLate = resolve));
    vi.spyOn(store, 'complete').mockImplementationOnce(() => Promise.reject(new UnansweredCallError(new StoreUnavailableError('connection dropped'), late)));
    await expect(lifecycle.complete(session, message)).rejects.toBeInstanceOf(UnansweredCallError);
    await lifecycle.complete(session, message);
    expect(seen).toMatchObject([{ type: 'job', transition: 'completed', job: { id: lease.jobId, status: 'done' } }]);
    // As the store's lookout would find it: the lease's attempt done (by the second call).
    tellLate({ applied: true, job: (await store.get(lease.jobId))! });
    await late;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toHaveLength(1);
    expect(lifecycle.counters.transitions.completed).toBe(1);
    expect(session.jobsDone).toBe(1);
  });
});
