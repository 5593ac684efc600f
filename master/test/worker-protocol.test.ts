// The worker protocol against a real master and store, with synthetic workers
// in Node: push up to credit, requeue on close, fencing, expiry, heartbeats,
// poison jobs, cancellation, drain.
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import { TEST_FLEET_TOKEN } from '../../test/support/test-master.ts';
import type { JobDetailView, WorkerView } from '../api-types.ts';
import type { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { ImagePreparer } from '../images/prepared-image.ts';
import { CloseCode, WORKER_SOCKET_PATH } from '../protocol.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

const grid = useSyntheticGrid();
const { submit } = grid;
/** A trusted worker (the fleet's): these tests pin the protocol and attempt limits, not a volunteer's votes (worker-votes.test.ts). */
const connect: typeof grid.connect = (options = {}) => grid.connect({ ...options, hello: { fleetToken: TEST_FLEET_TOKEN, ...options.hello } });

const job = (id: string) => fetch(`${grid.master.url}/api/jobs/${id}`).then((r) => r.json()) as Promise<JobDetailView>;

const allDone = async (ids: string[]) => (await Promise.all(ids.map(job))).every((j) => j.status === 'done');

describe('dispatch', () => {
  it('pushes jobs up to the credit and no further, then more as answers come', async () => {
    await grid.start();
    const worker = await connect({ credit: 2 });
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
    await grid.start({ leaseMs: 300 });
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
    await grid.start({ leaseMs: 300 });
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

describe('dead and misbehaving workers', () => {
  it('detects a half-open socket by missed pongs and reassigns its jobs', async () => {
    await grid.start({ heartbeatMs: 100 });
    const silent = await connect({ name: 'silent', credit: 2 });
    const ids = await submit(2);
    await until(() => silent.jobs.length === 2, 'leased to silent');
    silent.goSilent();
    const started = Date.now();
    await connect({ name: 'healthy', onJob: (j, w) => w.succeed(j.header) });
    await until(() => allDone(ids), 'reassigned and done', 5000);
    // Dead after two missed pings: within three intervals of going silent.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(grid.master.hub.counters.heartbeatTimeouts).toBe(1);
  });

  it('handles nothing more from a worker it hung up on, and cuts it off when the close is never answered', async () => {
    await grid.start({ maxRefusedMessages: 3 });
    const ids = await submit(1);
    const forger = await connect({ name: 'forger' });
    await until(() => forger.jobs.length === 1, 'leased to the forger');
    // It reads nothing more, the close frame included, and keeps sending.
    forger.goSilent();
    const rejected = () => Object.values(grid.master.lifecycle.counters.rejected).reduce((sum, count) => sum + count, 0);
    const forged = (i: number) => ({ ...forger.jobs[0]!.header, leaseId: `forged-${i}` });
    for (let i = 0; i < 3; i++) forger.succeed(forged(i));
    await until(() => rejected() === 3, 'three forged answers refused: the limit');
    for (let i = 3; i < 100; i++) forger.succeed(forged(i));
    await connect({ name: 'honest', onJob: (j, w) => w.succeed(j.header) });
    // Cut off within a second of the close (ws alone would wait 30 s for the answer), its job requeued and done.
    await until(() => allDone(ids), 'the job done by another worker', 5000);
    expect(grid.master.workers.size).toBe(1);
    expect(rejected()).toBe(3);
  });

  // It reads nothing more (pings included), but sends something more often than the master pings: messages, or pongs
  // nobody asked for (none echoing a ping: it never read one).
  it.each([
    ['keeps talking', (deaf: SyntheticWorker) => deaf.send({ type: 'credit', credit: 2 })],
    ['fakes its heartbeat with pongs nobody asked for', (deaf: SyntheticWorker) => deaf.pong()],
  ])('cuts off a worker that reads nothing but %s, and reassigns its jobs', async (_, chatter) => {
    await grid.start({ heartbeatMs: 100 });
    const deaf = await connect({ name: 'deaf', credit: 2 });
    const ids = await submit(2);
    await until(() => deaf.jobs.length === 2, 'leased to deaf');
    deaf.goSilent();
    const talking = setInterval(() => chatter(deaf), 25);
    try {
      await connect({ name: 'healthy', onJob: (j, w) => w.succeed(j.header) });
      await until(() => allDone(ids), 'reassigned and done', 5000);
      expect(grid.master.hub.counters.heartbeatTimeouts).toBe(1);
    } finally {
      clearInterval(talking);
    }
  });

  it('lets go of a job a worker holds long past its lease, whose end this master never heard of', async () => {
    await grid.start({ leaseMs: 300 });
    await submit(1);
    const holder = await connect({ name: 'holder', credit: 1 });
    await until(() => holder.jobs.length === 1, 'leased to the holder');
    const lease = { jobId: holder.jobs[0]!.header.jobId, leaseId: holder.jobs[0]!.header.leaseId };
    // Ended in the store behind this master's back, as another master's reaper would with its relay message lost.
    await grid.master.store.release(lease, 'expired', 'ended elsewhere', Date.now());
    await until(() => holder.messages.some((m) => m.type === 'cancel' && m.jobId === lease.jobId), 'the holder told to drop it');
    // Its credit slot is free again: it is dealt the job anew.
    await until(() => holder.jobs.length === 2, 'the job dealt again');
    expect(holder.jobs[1]!.header.leaseId).not.toBe(lease.leaseId);
  });

  it('answers a malformed message with an error frame and keeps serving', async () => {
    await grid.start();
    const worker = await connect({ credit: 1 });
    const error = worker.next('error');
    worker.send('{"type":"result","jobId":42}');
    expect(await error).toMatchObject({ type: 'error', code: 'bad-message' });
    const notJson = worker.next('error');
    worker.send('not json at all');
    expect((await notJson).message).toContain('not valid JSON');
    const [id] = await submit(1);
    await until(() => worker.jobs.length === 1, 'still dispatched to');
    worker.succeed(worker.jobs[0]!.header);
    await until(async () => (await job(id!)).status === 'done', 'done');
    expect(grid.master.hub.counters.badMessages).toBe(2);
    expect(await fetch(`${grid.master.url}/metrics`).then((r) => r.text())).toContain('browser_grid_worker_messages_malformed_total 2\n');
  });

  it("lists a volunteer saying it is the fleet's headless worker as the volunteer it is: kind and class are the master's word", async () => {
    await grid.start();
    await grid.connect({ name: 'headless-1', hello: { kind: 'headless' } });
    await connect({ name: 'headless-2', hello: { kind: 'headless' } });
    const listed = (await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    const byName = Object.fromEntries(listed.workers.map((worker) => [worker.name, worker]));
    expect(byName['headless-1']).toMatchObject({ kind: 'volunteer', workerClass: 'volunteer' });
    expect(byName['headless-2']).toMatchObject({ kind: 'headless', workerClass: 'trusted' });
  });

  it('refuses a hello whose name or backend would break or reverse text on a board', async () => {
    await grid.start();
    const raw = new WebSocket(`${grid.master.url.replace('http', 'ws')}${WORKER_SOCKET_PATH}`);
    await new Promise((r) => raw.once('open', r));
    const replies: { code: string; message: string }[] = [];
    raw.on('message', (d) => replies.push(JSON.parse(d.toString())));
    const hello = { type: 'hello', protocol: 1, kind: 'volunteer', model: 'the-schema-refuses-first', credit: 1 };
    raw.send(JSON.stringify({ ...hello, name: 'invoice\u202Egpj.exe', backend: 'wasm' }));
    raw.send(JSON.stringify({ ...hello, name: 'two\nlines', backend: 'wasm' }));
    raw.send(JSON.stringify({ ...hello, name: 'fine', backend: 'wasm\u0000' }));
    await until(() => replies.length === 3, 'three refusals');
    expect(replies.map((r) => r.code)).toEqual(['bad-message', 'bad-message', 'bad-message']);
    for (const reply of replies) expect(reply.message).toContain('no control or formatting characters');
    expect(grid.master.workers.size).toBe(0);
    raw.close();
  });

  it('refuses a hello whose name would spill over the rows around it or show blank, saying why; takes real scripts, composed', async () => {
    await grid.start();
    const raw = new WebSocket(`${grid.master.url.replace('http', 'ws')}${WORKER_SOCKET_PATH}`);
    await new Promise((r) => raw.once('open', r));
    const replies: { code: string; message: string }[] = [];
    raw.on('message', (d) => replies.push(JSON.parse(d.toString())));
    const hello = { type: 'hello', protocol: 1, kind: 'volunteer', model: 'the-schema-refuses-first', credit: 1, backend: 'wasm' };
    const zalgo = 'A' + '\u0336\u0489\u035c'.repeat(13);
    const hangulFiller = '\u3164';
    const brailleBlank = '\u2800'.repeat(3);
    for (const name of [zalgo, hangulFiller, brailleBlank]) raw.send(JSON.stringify({ ...hello, name }));
    await until(() => replies.length === 3, 'three refusals');
    expect(replies.map((r) => r.code)).toEqual(['bad-message', 'bad-message', 'bad-message']);
    expect(replies[0]!.message).toContain('a name may put at most 4 combining marks on one character');
    expect(replies[1]!.message).toContain('a name needs a visible letter, digit, punctuation mark or symbol');
    expect(replies[2]!.message).toContain('a name needs a visible letter, digit, punctuation mark or symbol');
    expect(grid.master.workers.size).toBe(0);
    raw.close();

    // Tibetan stacks three marks on a letter; "e" + a combining acute is listed as the one character "é".
    await grid.connect({ name: 'བསྒྲུབས' });
    const rene = await grid.connect({ name: 'Rene\u0301' });
    // A leaderboard name follows the same rule.
    rene.send({ type: 'profile', displayName: '\u3164\u3164' });
    await until(() => rene.messages.some((m) => m.type === 'error' && m.message.includes('a name needs a visible letter')), 'the blank name refused');
    const listed = (await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    expect(listed.workers.map((worker) => worker.name).sort()).toEqual(['René', 'བསྒྲུབས'].sort());
  });

  it('refuses a hello naming a browser family the leaderboard does not total, as each one kept would be a total for good', async () => {
    await grid.start();
    const raw = new WebSocket(`${grid.master.url.replace('http', 'ws')}${WORKER_SOCKET_PATH}`);
    await new Promise((r) => raw.once('open', r));
    const replies: { code: string; message: string }[] = [];
    raw.on('message', (d) => replies.push(JSON.parse(d.toString())));
    raw.send(
      JSON.stringify({
        type: 'hello',
        protocol: 1,
        kind: 'volunteer',
        model: 'the-schema-refuses-first',
        credit: 1,
        name: 'fine',
        backend: 'wasm',
        browser: 'zzzz',
      }),
    );
    await until(() => replies.length === 1, 'a refusal');
    expect(replies[0]).toMatchObject({ code: 'bad-message' });
    expect(replies[0]!.message).toContain('browser');
    expect(grid.master.workers.size).toBe(0);
    raw.close();
  });

  it('closes a socket past MAX_MALFORMED_MESSAGES, one over MAX_WORKER_MESSAGE_BYTES, and one silent past HELLO_TIMEOUT_MS', async () => {
    await grid.start({ maxMalformedMessages: 2, maxWorkerMessageBytes: 2048, helloTimeoutMs: 300 });
    const open = async () => {
      const raw = new WebSocket(`${grid.master.url.replace('http', 'ws')}${WORKER_SOCKET_PATH}`);
      await new Promise((r) => raw.once('open', r));
      const closed = new Promise<[number, string]>((r) => raw.once('close', (code, reason) => r([code, reason.toString()])));
      return { raw, closed };
    };
    const garbled = await open();
    garbled.raw.send('not json');
    garbled.raw.send('not json either');
    expect(await garbled.closed).toEqual([1008, 'too many malformed messages']);
    const bulky = await open();
    bulky.raw.send(JSON.stringify({ type: 'drain', padding: 'x'.repeat(2048) }));
    expect((await bulky.closed)[0]).toBe(1009);
    const mute = await open();
    expect(await mute.closed).toEqual([CloseCode.noHello, 'no hello within 300 ms']);
    expect(grid.master.hub.counters.badMessages).toBe(2);
  });

  it('hangs up on a worker sending faster than MAX_WORKER_MESSAGES_PER_SECOND, handling nothing past it', async () => {
    await grid.start({ maxWorkerMessagesPerSecond: 20 });
    const chatty = await connect({ name: 'chatty', credit: 1 });
    const closed = chatty.closed;
    for (let i = 0; i < 100; i++) chatty.send({ type: 'profile', displayName: `name ${i}` });
    expect(await closed).toBe(1008);
    expect(grid.master.hub.counters.tooFast).toBe(1);
    await until(() => grid.master.workers.size === 0, 'the session gone');
    const ids = await submit(1);
    await connect({ name: 'calm', onJob: (j, w) => w.succeed(j.header) });
    await until(() => allDone(ids), 'another worker still served');
  });

  it('spends no dispatch and no store write on a credit, profile or drain message that changes nothing', async () => {
    await grid.start();
    const creditChanges = vi.spyOn(grid.master.lifecycle, 'creditChanged');
    const renames = vi.spyOn(grid.master.ledger, 'setDisplayName');
    const volunteer = await grid.connect({ name: 'volunteer', credit: 1 });
    for (let i = 0; i < 50; i++) {
      volunteer.send({ type: 'credit', credit: 1 });
      volunteer.send({ type: 'profile', displayName: 'Ada' });
      volunteer.send({ type: 'drain' });
    }
    // Handled in order: once this one is, so are all before it.
    volunteer.send({ type: 'credit', credit: 2 });
    await until(() => creditChanges.mock.calls.length === 2, 'the last credit handled');
    // The first drain and the last credit: nothing else changed anything.
    expect(renames.mock.calls).toHaveLength(1);
    expect(creditChanges.mock.calls).toHaveLength(2);
  });

  it('asks the store for no lease when a worker flips its credit while the queue holds nothing new for it', async () => {
    await grid.start();
    const volunteer = await grid.connect({ name: 'flipper', credit: 1 });
    const creditChanges = vi.spyOn(grid.master.lifecycle, 'creditChanged');
    // Once the joined worker was dealt and passed over (nothing queued), count the store's lease calls.
    await until(() => grid.master.workers.size === 1, 'the worker joined');
    await grid.master.lifecycle.idle();
    const leases = vi.spyOn(grid.master.store, 'lease');
    for (let i = 0; i < 200; i++) volunteer.send({ type: 'credit', credit: 1 + ((i + 1) % 2) });
    await until(() => creditChanges.mock.calls.length === 200, 'every credit handled');
    await grid.master.lifecycle.idle();
    expect(leases.mock.calls).toHaveLength(0);
    // A job arriving is still dealt to it.
    const ids = await submit(1);
    await until(() => volunteer.jobs.length === 1, 'the job dealt to the worker');
    expect(volunteer.jobs[0]!.header.jobId).toBe(ids[0]);
  });

  it('stores a display name sent again after the ledger could not store it', async () => {
    await grid.start();
    const renames = vi.spyOn(grid.master.ledger, 'setDisplayName').mockRejectedValueOnce(new StoreUnavailableError('unreachable just now'));
    const volunteer = await grid.connect({ name: 'volunteer' });
    volunteer.send({ type: 'profile', displayName: 'Ada' });
    await until(() => renames.mock.calls.length === 1, 'the first name refused by the ledger');
    volunteer.send({ type: 'profile', displayName: 'Ada' });
    await until(() => renames.mock.calls.length === 2, 'the same name tried again');
  });

  it('closes a socket whose first message is not hello, and one that runs another model', async () => {
    await grid.start();
    const raw = new WebSocket(`${grid.master.url.replace('http', 'ws')}${WORKER_SOCKET_PATH}`);
    await new Promise((r) => raw.once('open', r));
    const replies: string[] = [];
    raw.on('message', (d) => replies.push(d.toString()));
    raw.send(JSON.stringify({ type: 'drain' }));
    raw.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'old', kind: 'volunteer', backend: 'wasm', model: 'stale-hash', credit: 1 }));
    const code = await new Promise((r) => raw.once('close', r));
    expect(code).toBe(4001);
    expect(replies.map((r) => JSON.parse(r).code)).toEqual(['hello-first', 'model-mismatch']);
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
