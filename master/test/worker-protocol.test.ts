// The worker protocol against a real master and store, with synthetic workers in Node: push up to
// credit, requeue on close, fencing, expiry, poison jobs, cancellation, drain. Workers that misbehave:
// worker-misbehaviour.test.ts; hellos refused: worker-hello-refusals.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import type { JobDetailView, WorkerView } from '../api-types.ts';
import { ImagePreparer } from '../images/prepared-image.ts';

const grid = useSyntheticGrid();
const { submit, job, allDone } = grid;
/** A trusted worker (the fleet's): these tests pin the protocol and attempt limits, not a volunteer's votes (worker-votes.test.ts). */
const connect = grid.connectTrusted;

describe('dispatch', () => {
  it('pushes jobs up to the credit and no further, then more as answers come', async () => {
    await grid.start();
    // Credited the 12 ms it claims only when it held each job that long: an answer sent the moment its frame came is not.
    const worker = await connect({ credit: 2, holdClaimedTime: true });
    const ids = await submit(5);
    await until(() => worker.jobs.length === 2, 'two jobs pushed');
    await new Promise((r) => setTimeout(r, 200));
    expect(worker.jobs).toHaveLength(2);
    // The upload as the master prepared it for workers (master/images/prepared-image.ts).
    const prepared = await new ImagePreparer(224, 40_000_000).prepare(devImages(1)[0]!.path);
    expect(Buffer.from(worker.jobs[0]!.image).equals(prepared.bytes)).toBe(true);
    expect(worker.jobs[0]!.header.contentType).toBe('image/webp');

    let answered = 0;
    await until(() => {
      while (answered < worker.jobs.length) worker.succeed(worker.jobs[answered++]!.header, 7, 12);
      return answered === 5;
    }, 'all five pushed');
    await until(() => allDone(ids), 'all done');
    const done = await job(ids[0]!);
    expect(done.result).toMatchObject({ predictions: [{ index: 7, probability: 1 }], backend: 'cpu', inferenceMs: 12 });
    expect(done.attempts).toBe(1);
    expect(done.worker).toBe('synthetic');
    expect(done.timeline).toMatchObject([{ attempt: 1, outcome: 'done', workerName: 'synthetic' }]);
    const listed = (await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    expect(listed.workers).toMatchObject([{ name: 'synthetic', kind: 'headless', jobsDone: 5, meanInferenceMs: 12, inFlight: 0 }]);
  });

  it('requeues a closed worker’s jobs at once and another worker completes them', async () => {
    await grid.start();
    const leaving = await connect({ name: 'leaving', credit: 2 });
    const ids = await submit(2);
    await until(() => leaving.jobs.length === 2, 'jobs leased');
    leaving.terminate();
    await connect({ name: 'staying', onJob: (j, w) => w.succeed(j.header) });
    await until(() => allDone(ids), 'jobs done by the other worker');
    const detail = await job(ids[0]!);
    expect(detail.attempts).toBe(2);
    expect(detail.timeline.map((a) => [a.workerName, a.outcome])).toEqual([
      ['leaving', 'lost'],
      ['staying', 'done'],
    ]);
    expect(grid.master.lifecycle.counters.transitions.lost).toBe(2);
  });

  it('trusts a new worker with two jobs, one more per answer, half as many after an expired lease', async () => {
    // Long enough that the two leases the test needs held are not lost to a stalled machine while it looks at them.
    await grid.start({ leaseMs: 1500 });
    const worker = await connect({ credit: 8 });
    await submit(20);
    await until(() => worker.jobs.length === 2, 'two pushed');
    await new Promise((r) => setTimeout(r, 100));
    expect(worker.jobs).toHaveLength(2);
    worker.succeed(worker.jobs[0]!.header);
    // Window 3, one still held: two more.
    await until(() => worker.jobs.length === 4, 'two more after one answer');
    // Let the three held leases expire: the window halves from 3 to 1, three times over, never below 1.
    await until(() => grid.master.lifecycle.counters.transitions.expired >= 3, 'leases expired');
    // The window of 1 is refilled right after the expiries: wait for that push, then check it stays at one.
    const inFlight = async () => ((await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] }).workers[0]!.inFlight;
    await until(async () => (await inFlight()) === 1, 'the window of one refilled');
    await new Promise((r) => setTimeout(r, 100));
    expect(await inFlight()).toBe(1);
  });
});

describe('fencing', () => {
  it('rejects a result for a lease that is not current or not the sender’s, and writes nothing', async () => {
    await grid.start();
    const holder = await connect({ name: 'holder', credit: 1 });
    const [id] = await submit(1);
    await until(() => holder.jobs.length === 1, 'job leased');
    const other = await connect({ name: 'other', credit: 0 });
    const header = holder.jobs[0]!.header;

    other.succeed(header);
    holder.succeed({ ...header, leaseId: 'forged-lease' });
    await until(
      () => grid.master.lifecycle.counters.rejected['not-your-lease'] + grid.master.lifecycle.counters.rejected['stale-lease'] === 2,
      'both rejected',
    );
    expect((await job(id!)).status).toBe('leased');

    holder.succeed(header, 3);
    await until(async () => (await job(id!)).status === 'done', 'done');
    holder.succeed(header, 4); // a replay of the accepted answer
    await until(() => grid.master.lifecycle.counters.rejected['stale-lease'] === 2, 'replay rejected');
    expect((await job(id!)).result!.predictions[0]!.index).toBe(3);
  });

  it('expires an overrun lease, gives the job to another worker and fences off the late answer', async () => {
    // Long enough that the fast worker's own lease cannot run out on a stalled machine before it answers.
    await grid.start({ leaseMs: 1500 });
    const slow = await connect({ name: 'slow', credit: 1 });
    const [id] = await submit(1);
    await until(() => slow.jobs.length === 1, 'leased to slow');
    await connect({ name: 'fast', onJob: (j, w) => w.succeed(j.header, 5) });
    await until(async () => (await job(id!)).status === 'done', 'completed by fast', 5000);
    slow.succeed(slow.jobs[0]!.header, 9);
    await until(() => grid.master.lifecycle.counters.rejected['stale-lease'] === 1, 'late answer rejected');
    const detail = await job(id!);
    expect(detail.result!.predictions[0]!.index).toBe(5);
    expect(detail.timeline.map((a) => [a.workerName, a.outcome])).toEqual([
      ['slow', 'expired'],
      ['fast', 'done'],
    ]);
    expect(slow.messages).toContainEqual({ type: 'cancel', jobId: id, leaseId: slow.jobs[0]!.header.leaseId });
  });
});

describe('poison jobs, retry, cancellation, drain', () => {
  it('fails a job after the attempt limit with every reason, while other jobs flow', async () => {
    await grid.start({ maxAttempts: 3 });
    const ids = await submit(2);
    const poison = ids[0]!;
    await connect({
      onJob: (j, w) => (j.header.jobId === poison ? w.fail(j.header, 'kernel exploded') : w.succeed(j.header)),
    });
    await until(async () => (await job(poison)).status === 'failed', 'poison failed');
    const failed = await job(poison);
    expect(failed.attempts).toBe(3);
    expect(failed.error!.match(/kernel exploded/g)).toHaveLength(3);
    expect((await job(ids[1]!)).status).toBe('done');

    const retried = (await fetch(`${grid.master.url}/api/jobs/${poison}/retry`, { method: 'POST', headers: grid.owner }).then((r) =>
      r.json(),
    )) as JobDetailView;
    expect(retried).toMatchObject({ status: 'queued', attempts: 0, error: null });
  });

  it('fails an undecodable image at once, without retrying', async () => {
    await grid.start();
    const [id] = await submit(1);
    await connect({ onJob: (j, w) => w.fail(j.header, 'the browser cannot decode\r\nthis image\u202Egpj.exe', false) });
    await until(async () => (await job(id!)).status === 'failed', 'failed');
    expect((await job(id!)).attempts).toBe(1);
    // The reason is shown on boards: what would break a line or turn text around there is a space.
    expect((await job(id!)).error).toContain('(the browser cannot decode this image gpj.exe');
  });

  // The reason is shown on the page of whoever submitted the job: before, a stranger's volunteer could stack hundreds
  // of marks on one letter there, drawing over the rows around it. Real scripts stack up to four, as in a name.
  it('refuses a failure whose reason stacks more than 4 marks on one character, and takes one with 4', async () => {
    await grid.start();
    const [id] = await submit(1);
    const worker = await connect({ credit: 1, onJob: () => {} });
    await until(() => worker.jobs.length === 1, 'leased');
    const { header } = worker.jobs[0]!;
    const refusal = worker.next('error');
    worker.fail(header, 'x' + '\u0336\u0489\u035c'.repeat(150), false);
    expect(await refusal).toMatchObject({ code: 'bad-message', message: expect.stringContaining('at most 4 combining marks on one character') });
    expect((await job(id!)).status).toBe('leased');
    const four = `ca${'\u0353'.repeat(4)}t cannot be decoded`;
    worker.fail(header, four, false);
    await until(async () => (await job(id!)).status === 'failed', 'failed');
    expect((await job(id!)).timeline).toMatchObject([{ outcome: 'failed', reason: four }]);
  });

  it('tells the worker to drop a leased job that is deleted', async () => {
    await grid.start();
    const worker = await connect({ credit: 1 });
    const [id] = await submit(1);
    await until(() => worker.jobs.length === 1, 'leased');
    const cancel = worker.next('cancel');
    expect((await fetch(`${grid.master.url}/api/jobs/${id}`, { method: 'DELETE', headers: grid.owner })).status).toBe(204);
    expect(await cancel).toMatchObject({ jobId: id, leaseId: worker.jobs[0]!.header.leaseId });
    worker.succeed(worker.jobs[0]!.header);
    await until(() => grid.master.lifecycle.counters.rejected['unknown-job'] === 1, 'answer for deleted job rejected');
  });

  it('counts no strike for an answer to a job deleted under the worker before its cancel was sent', async () => {
    await grid.start({ maxRefusedMessages: 1 });
    const [id] = await submit(1);
    const worker = await connect({ name: 'honest', credit: 1, onJob: () => {} });
    await until(() => worker.jobs.length === 1, 'the job leased');
    // The answer lands after the job's row is gone and before the master tells the worker (its images still being deleted).
    const remove = grid.master.store.remove.bind(grid.master.store);
    vi.spyOn(grid.master.store, 'remove').mockImplementation(async (jobId) => {
      const removed = await remove(jobId);
      worker.succeed(worker.jobs[0]!.header);
      await until(() => grid.master.lifecycle.counters.rejected['unknown-job'] === 1, 'the answer refused');
      return removed;
    });
    expect((await fetch(`${grid.master.url}/api/jobs/${id}`, { method: 'DELETE', headers: grid.owner })).status).toBe(204);
    // With MAX_REFUSED_MESSAGES 1, one strike would have closed it.
    expect(grid.master.workers.size).toBe(1);
    const [next] = await submit(1);
    await until(() => worker.jobs.some((job) => job.header.jobId === next), 'the worker still dealt jobs');
  });

  it('sends a draining worker nothing new but accepts what it finishes', async () => {
    await grid.start();
    const worker = await connect({ credit: 1 });
    const ids = await submit(2);
    await until(() => worker.jobs.length === 1, 'one leased');
    worker.send({ type: 'drain' });
    await new Promise((r) => setTimeout(r, 100));
    worker.succeed(worker.jobs[0]!.header);
    await until(async () => (await job(worker.jobs[0]!.header.jobId)).status === 'done', 'in-flight finished');
    await new Promise((r) => setTimeout(r, 200));
    expect(worker.jobs).toHaveLength(1);
    expect((await job(ids.find((i) => i !== worker.jobs[0]!.header.jobId)!)).status).toBe('queued');
  });
});
