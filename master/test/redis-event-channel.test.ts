// The event relay between masters on Redis. Several masters on one Redis (and on a Redis Cluster) hear each
// other's job events, the events of one turn as one message in order, and an older master's one-event messages too.
// Deployments on different databases of one Redis server share no job events. Redis pub/sub ignores the database
// number, so before the relay's channel named it, staging on /1 and production on /0 under the default prefix
// showed each other's jobs on their boards. Real masters, a real Redis, real event streams.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../api-types.ts';
import { LiveEvents } from '../events/live-events.ts';
import { RedisEventRelay } from '../events/redis-event-relay.ts';
import { createLogger } from '../log.ts';
import { submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { deleteRedisKeys, redisAdmin, STORE_KINDS, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

const silent = createLogger('silent');
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

describe.each(STORE_KINDS.filter((kind) => kind.name !== 'sqlite'))('several masters on one $name', (kind) => {
  beforeAll(() => kind.start());
  afterAll(() => kind.stop());

  it('relay job events from one master to the others', async () => {
    const [here, there] = [new LiveEvents(), new LiveEvents()];
    const channel = `test:${randomUUID()}:events`;
    const heard: LiveEvent[] = [];
    const relays = [
      new RedisEventRelay(kind.redisTarget!(), channel, here, () => {}, silent),
      new RedisEventRelay(kind.redisTarget!(), channel, there, (event) => heard.push(event), silent),
    ];
    try {
      // Pub/sub keeps nothing for a subscriber not yet listening: publish until the other side hears.
      await until(() => {
        here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'job-1' });
        return heard.length > 0;
      }, 'the event to cross over');
      expect(heard[0]).toEqual({ type: 'job-deleted', transition: 'cancelled', id: 'job-1' });
    } finally {
      for (const relay of relays) await relay.close();
    }
  });

  it('relay the events of one turn as one message, every event in order', async () => {
    const here = new LiveEvents();
    const channel = `test:${randomUUID()}:events`;
    const heard: LiveEvent[] = [];
    const messages: { events: LiveEvent[] }[] = [];
    const target = kind.redisTarget!();
    const connect = () => redisAdmin(target);
    const [listener, olderMaster] = [connect(), connect()];
    listener.on('message', (_channel: string, raw: string) => messages.push(JSON.parse(raw) as { events: LiveEvent[] }));
    await listener.subscribe(channel);
    const relays = [
      new RedisEventRelay(kind.redisTarget!(), channel, here, () => {}, silent),
      new RedisEventRelay(kind.redisTarget!(), channel, new LiveEvents(), (event) => heard.push(event), silent),
    ];
    try {
      await until(() => {
        here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'warm-up' });
        return heard.length > 0;
      }, 'the relays to hear each other');
      const ids = Array.from({ length: 5 }, (_, i) => `job-${i}`);
      for (const id of ids) here.publish({ type: 'job-deleted', transition: 'cancelled', id });
      // Warm-up messages may still arrive: only what carries the five counts.
      const idsIn = (events: LiveEvent[]) => events.flatMap((event) => (event.type === 'job-deleted' && event.id !== 'warm-up' ? [event.id] : []));
      await until(() => idsIn(heard).length >= 5, 'the five events to cross over');
      expect(idsIn(heard)).toEqual(ids);
      await until(() => messages.some((message) => idsIn(message.events).length > 0), 'the listener to hear them');
      expect(messages.map((message) => idsIn(message.events)).filter((carried) => carried.length > 0)).toEqual([ids]);
      // A master from before batching, during a rolling upgrade, sends one event a message.
      await olderMaster.publish(channel, JSON.stringify({ origin: 'older-master', event: { type: 'job-deleted', transition: 'cancelled', id: 'job-5' } }));
      await until(() => idsIn(heard).length === 6, 'the older master’s event');
    } finally {
      for (const relay of relays) await relay.close();
      listener.disconnect();
      olderMaster.disconnect();
    }
  });
});
