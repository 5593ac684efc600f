// Deployments on different databases of one Redis server share no job events. Redis pub/sub ignores the database
// number, so before the relay's channel named it, staging on /1 and production on /0 under the default prefix
// showed each other's jobs on their boards. Real masters, a real Redis, real event streams.
import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

const masters: TestMaster[] = [];
const boards: SseClient[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const board of boards.splice(0)) board.close();
  for (const master of masters.splice(0)) await master.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** TEST_REDIS_URL on database `db`. */
const onDatabase = (db: number) => {
  const url = new URL(TEST_REDIS_URL);
  url.pathname = `/${db}`;
  return url.toString();
};

async function masterOn(db: number, prefix: string): Promise<{ master: TestMaster; board: SseClient }> {
  const redisUrl = onDatabase(db);
  const master = await startTestMaster({ redisUrl, redisPrefix: prefix });
  masters.push(master);
  cleanups.push(() => deleteRedisKeys(prefix, { url: redisUrl }));
  const board = await SseClient.open(master.url);
  boards.push(board);
  return { master, board };
}

it('relays job events to the masters on the same database only', async () => {
  const prefix = `test:${randomUUID()}:`;
  const submitter = await masterOn(0, prefix);
  const peer = await masterOn(0, prefix);
  const elsewhere = await masterOn(1, prefix);

  const [id] = await submit(submitter.master.url, uploadsFrom([devImages(1)[0]!.path]));
  const jobIds = (board: SseClient) => board.framesNamed('job').map((frame) => (frame.data as { job: { id: string } }).job.id);
  await until(() => jobIds(peer.board).includes(id!), 'the peer on the same database to see the job');
  // The relay publishes once; a subscriber on the other database would have it as soon as the peer did.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(jobIds(elsewhere.board)).toEqual([]);
});
