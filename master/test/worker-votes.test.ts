// A volunteer's failure is a vote, not a verdict, through the real master on both stores: a stranger's
// tab that calls every image undecodable, or grabs jobs and drops its connection again and again, or a
// script minting identities to do so, cannot fail a job: volunteers that give up on it leave it to a
// trusted worker, whose word can.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getJob, settled, until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { JobView } from '../api-types.ts';
import type { WorkerIdentity } from '../protocol.ts';

const image = fs.readFileSync(devImages(1)[0]!.path);

const grid = useTestMasters();

describe.each(['sqlite', 'redis'] as const)('on the %s store', (storeName) => {
  const master = (overrides: Parameters<typeof grid.start>[1] = {}) => grid.start(storeName, overrides);
  const connect = grid.connect;

  async function submitOne(on: TestMaster): Promise<string> {
    const data = new FormData();
    data.append('image', new Blob([new Uint8Array(image)]), 'a.jpg');
    const { jobs } = (await fetch(`${on.url}/api/jobs`, { method: 'POST', body: data }).then((r) => r.json())) as { jobs: JobView[] };
    return jobs[0]!.id;
  }

  /** A volunteer that calls every image it gets undecodable, as `identity` when given, from a loopback address (default 127.0.0.1). */
  const naysayer = (on: TestMaster, identity?: WorkerIdentity, localAddress?: string) =>
    connect(on, {
      name: 'naysayer',
      localAddress,
      hello: identity ? { identity } : {},
      onJob: (job, self) => self.fail(job.header, 'cannot decode', false),
    });

  it('requeues a job a volunteer calls undecodable, never back to it, and leaves it to trusted workers when an identity from another address agrees', async () => {
    const m = await master({ failureQuorum: 2 });
    const first = await naysayer(m);
    const id = await submitOne(m);
    await until(async () => (await getJob(m.url, id)).timeline.length === 1 && (await getJob(m.url, id)).status === 'queued', 'the first vote');
    // The same identity in another tab is not asked again.
    const again = await naysayer(m, first.welcome.identity);
    await new Promise((r) => setTimeout(r, 300));
    expect(again.jobs).toHaveLength(0);
    expect((await getJob(m.url, id)).status).toBe('queued');

    await naysayer(m, undefined, '127.0.0.2');
    await until(async () => (await getJob(m.url, id)).trustedOnly, 'the volunteers giving up');
    const waiting = await getJob(m.url, id);
    expect(waiting).toMatchObject({ status: 'queued', attempts: 2, error: expect.stringContaining('waits for a trusted worker') });
    expect(waiting.timeline.map((a) => [a.outcome, a.workerClass])).toEqual([
      ['failed', 'volunteer'],
      ['failed', 'volunteer'],
    ]);
    expect(new Set(waiting.timeline.map((a) => a.workerId)).size).toBe(2);
    const willing = await connect(m, { name: 'willing', onJob: (job, self) => self.succeed(job.header, 5) });
    await new Promise((r) => setTimeout(r, 300));
    expect(willing.jobs).toHaveLength(0);

    await connect(m, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, self) => self.fail(job.header, 'cannot decode', false) });
    const [failed] = await settled(m.url, [id], 10_000);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed!.timeline.map((a) => a.workerClass)).toEqual(['volunteer', 'volunteer', 'trusted']);
  });

  it('does not let identities minted to grab the job and drop it fail it: past MAX_LEASES it waits for a trusted worker', async () => {
    const m = await master({ maxLeases: 3 });
    const id = await submitOne(m);
    for (let i = 0; i < 3; i++) {
      const grabber = await connect(m, { name: `sybil-${i}`, localAddress: `127.0.0.${i + 1}` });
      await until(() => grabber.jobs.length === 1, 'the job grabbed');
      const closed = grabber.closed;
      grabber.terminate();
      await closed;
      await until(async () => (await getJob(m.url, id)).status === 'queued', 'the job back in the queue');
    }
    expect(await getJob(m.url, id)).toMatchObject({ status: 'queued', trustedOnly: true, attempts: 3 });
    const another = await connect(m, { name: 'sybil-3' });
    await new Promise((r) => setTimeout(r, 300));
    expect(another.jobs).toHaveLength(0);

    await connect(m, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, self) => self.succeed(job.header, 5) });
    const [done] = await settled(m.url, [id], 10_000);
    expect(done).toMatchObject({ status: 'done', attempts: 4, result: { workerClass: 'trusted' } });
  });

  it('counts the identities a script mints on one address once: calling a job undecodable or dropping it, they cannot hand it to trusted workers', async () => {
    const m = await master({ failureQuorum: 2, maxAttempts: 2, maxLeases: 3 });
    const undecodable = await submitOne(m);
    const naysayers = [await naysayer(m), await naysayer(m), await naysayer(m)];
    const voted = async () => {
      const job = await getJob(m.url, undecodable);
      return job.status === 'queued' && job.timeline.length === 3;
    };
    await until(voted, 'three votes from one address');
    expect(await getJob(m.url, undecodable)).toMatchObject({ status: 'queued', trustedOnly: false });
    for (const each of naysayers) each.terminate();

    const dropped = await submitOne(m);
    for (let i = 0; i < 4; i++) {
      const grabber = await connect(m, { name: `sybil-${i}`, credit: 2 });
      await until(() => grabber.jobs.length === 2, 'both jobs grabbed');
      const closed = grabber.closed;
      grabber.terminate();
      await closed;
      await until(async () => (await getJob(m.url, dropped)).status === 'queued', 'the job back in the queue');
    }
    expect(await getJob(m.url, dropped)).toMatchObject({ attempts: 4, trustedOnly: false });
    expect(await getJob(m.url, undecodable)).toMatchObject({ attempts: 7, trustedOnly: false });

    // Both still go to a volunteer: here one from another address, which finishes them.
    const willing = await connect(m, { name: 'willing', credit: 2, localAddress: '127.0.0.2', onJob: (job, self) => self.succeed(job.header, 5) });
    await until(() => willing.jobs.length === 2, 'both jobs dealt to another volunteer');
    expect(new Set(willing.jobs.map((job) => job.header.jobId))).toEqual(new Set([undecodable, dropped]));
  });

  it('lets a trusted worker finish a job a volunteer called undecodable, or fail it on its own word', async () => {
    const m = await master({ failureQuorum: 2 });
    await naysayer(m);
    const [good, bad] = [await submitOne(m), await submitOne(m)];
    await until(async () => (await getJob(m.url, good)).timeline.length > 0 && (await getJob(m.url, bad)).timeline.length > 0, 'both voted on');
    await connect(m, {
      name: 'fleet',
      credit: 2,
      hello: { fleetToken: TEST_FLEET_TOKEN },
      onJob: (job, self) => (job.header.jobId === good ? self.succeed(job.header, 3) : self.fail(job.header, 'cannot decode', false)),
    });
    const [done, failed] = await settled(m.url, [good, bad], 10_000);
    expect(done).toMatchObject({ status: 'done', result: { workerClass: 'trusted' } });
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('never gives a job back to the volunteer identity that dropped it, which would tell it from a spot check', async () => {
    const m = await master({ maxLeases: 3 });
    const id = await submitOne(m);
    const grabber = await connect(m, { name: 'grabber' });
    await until(() => grabber.jobs.length === 1, 'the job grabbed');
    const closed = grabber.closed;
    grabber.terminate();
    await closed;
    await until(async () => (await getJob(m.url, id)).status === 'queued', 'the job back in the queue');
    const again = await connect(m, { name: 'grabber', hello: { identity: grabber.welcome.identity! } });
    await new Promise((r) => setTimeout(r, 300));
    expect(again.jobs).toHaveLength(0);
    await connect(m, { name: 'honest', onJob: (job, self) => self.succeed(job.header, 5) });
    const [done] = await settled(m.url, [id], 10_000);
    expect(done).toMatchObject({ status: 'done', attempts: 2 });
  });
});
