// A master closing while an answer is still being handled against Redis (its store write on its way) lets that
// answer end before it closes the worker sockets and the stores: cut short, it would be lost with its lease, or its
// write would fail against a store closed under it.
import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { capturedLog, closeWhileHandling } from '../../test/support/captured-log.ts';
import { newOwner, submit, until } from '../../test/support/jobs-client.ts';
import { holdCalls } from '../../test/support/held-calls.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { gridImage } from '../../test/support/synthetic-grid.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';

const prefix = `test:${randomUUID()}:`;
const masters: TestMaster[] = [];
afterEach(async () => {
  for (const master of masters.splice(0)) await master.close();
  await deleteRedisKeys(prefix);
});

it('ends an answer being handled when the master closes before closing its stores: the job done, nothing logged as failed, nothing more dealt', async () => {
  const { log, lines } = capturedLog();
  const overrides = { redisUrl: TEST_REDIS_URL, redisPrefix: prefix };
  const first = await startTestMaster(overrides, {}, log);
  const images = ['first.jpg', 'second.jpg'].map((name) => ({ name, bytes: gridImage }));
  const [id, queued] = await submit(first.url, images, await newOwner(first.url));

  // The store writes the answer only once the test says so, as a slow one would; a master closing its job store
  // without waiting lets the write go on only then, against the closed store. The master begins to close as the write
  // is asked for: from the answer on, nothing (the safety net's look at the queue) could deal the credit it freed.
  let closed: Promise<void> | undefined;
  const writing = holdCalls(first.store, 'complete', () => {
    closed ??= closeWhileHandling(first, lines, writing.release);
    // What may wake a dispatch while the master closes (an upload being written, the relay's last message, the safety
    // net's count in flight) deals nothing.
    first.lifecycle.dispatch();
  });
  const dealt: string[] = [];
  const worker = await SyntheticWorker.connect({
    masterUrl: first.url,
    credit: 1,
    hello: { fleetToken: TEST_FLEET_TOKEN },
    onJob: (job, self) => {
      dealt.push(job.header.jobId);
      self.succeed(job.header);
    },
  });
  await until(() => closed !== undefined, 'the answer being written');

  await closed;
  worker.terminate();
  expect(lines.filter((line) => line.level >= 50)).toEqual([]);

  const reopened = await startTestMaster(overrides);
  masters.push(reopened);
  expect((await reopened.store.get(id!))?.status).toBe('done');
  // The credit its answer freed was not used: a job dealt to a socket about to close would be lost, an attempt spent.
  expect(dealt).toEqual([id]);
  const second = await reopened.store.get(queued!);
  expect(second, JSON.stringify(second)).toMatchObject({ status: 'queued', attempts: 0 });
});
