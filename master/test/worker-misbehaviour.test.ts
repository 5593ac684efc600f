// Dead and misbehaving workers against a real master and store, with synthetic workers in Node:
// half-open and deaf sockets, malformed, oversized, too many or too fast messages, and messages
// that change nothing.
import { describe, expect, it, vi } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import type { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import type { WorkerView } from '../api-types.ts';
import { CloseCode, MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../protocol.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

const grid = useSyntheticGrid();
const { submit, job, allDone } = grid;
/** A trusted worker (the fleet's): these tests pin the protocol and attempt limits, not a volunteer's votes (worker-votes.test.ts). */
const connect = grid.connectTrusted;

describe('dead and misbehaving workers', () => {
  it('detects a half-open socket by missed pongs and reassigns its jobs', async () => {
    await grid.start({ heartbeatMs: 100 });
    const silent = await connect({ name: 'silent', credit: 2 });
    const ids = await submit(2);
    await until(() => silent.jobs.length === 2, 'leased to silent');
    silent.goSilent();
    // Cut off by the master's heartbeat after two missed pongs (ws by itself would wait 30 s for a close).
    await until(() => grid.master.hub.counters.heartbeatTimeouts === 1, 'the silent socket cut off', 5000);
    await connect({ name: 'healthy', onJob: (j, w) => w.succeed(j.header) });
    await until(() => allDone(ids), 'reassigned and done', 5000);
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

  it('refuses a message nesting deeper, or holding more values, than the protocol does before parsing it, as malformed, and takes what follows', async () => {
    await grid.start();
    const worker = await connect({ credit: 1 });
    const errors = () => worker.messages.flatMap((message) => (message.type === 'error' ? [message.message] : []));
    // Credit messages, valid but for a field nobody reads, of 60 KB: 30,000 arrays inside one another, or an array of
    // 30,000 numbers. Each cost JSON.parse some 20 ms or 5 ms, many times a flat message of its size, so one socket
    // sending them well within MAX_WORKER_MESSAGES_PER_SECOND kept the master busy (taken, their credit applied, before).
    worker.send(`{"type":"credit","credit":2,"padding":${'['.repeat(30_000)}${']'.repeat(30_000)}}`);
    worker.send(`{"type":"credit","credit":3,"padding":[${'1,'.repeat(30_000)}1]}`);
    // Brackets and commas inside a string are text.
    const name = '[[[[[[[[[[ {{{{{{{{{{ ,,,,';
    worker.send(JSON.stringify({ type: 'profile', displayName: name }));
    worker.send('not json');
    await until(() => errors().includes('message is not valid JSON'), 'the last refused');
    expect(errors()).toEqual([
      `message nests deeper than ${MAX_JSON_DEPTH} arrays or objects`,
      `message holds more than ${MAX_JSON_VALUES} values`,
      'message is not valid JSON',
    ]);
    const [view] = (await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())).workers as WorkerView[];
    expect(view).toMatchObject({ credit: 1 });
    await until(() => grid.master.workers.all[0]?.displayName === name, 'the name taken');
  });

  it('closes a socket past MAX_MALFORMED_MESSAGES, one over MAX_WORKER_MESSAGE_BYTES, and one silent past HELLO_TIMEOUT_MS', async () => {
    await grid.start({ maxMalformedMessages: 2, maxWorkerMessageBytes: 2048, helloTimeoutMs: 300 });
    const open = async () => {
      const raw = await grid.openWorkerSocket();
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

  it('hangs up on a worker sending more than MAX_WORKER_BYTES_PER_SECOND, however few its messages', async () => {
    await grid.start({ maxWorkerBytesPerSecond: 16_384, maxWorkerMessageBytes: 16_384 });
    const bulky = await connect({ name: 'bulky', credit: 1 });
    const closed = bulky.closed;
    // Ten credit messages padded to 8 KB: few messages, but five times the bytes a second allows. Each costs the master
    // its reading and parsing; at MAX_WORKER_MESSAGES_PER_SECOND such messages would keep it busy. Then five not JSON,
    // which a socket still open is closed for (as it was before, never cut off for its bytes).
    for (let i = 0; i < 10; i++) bulky.send(JSON.stringify({ type: 'credit', credit: 1 + (i % 2), padding: 'x'.repeat(8_000) }));
    for (let i = 0; i < grid.master.config.maxMalformedMessages; i++) bulky.send('not json');
    expect(await closed).toBe(1008);
    expect(grid.master.hub.counters).toMatchObject({ tooFast: 1, tooManyMalformed: 0 });
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
});
