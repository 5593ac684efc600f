// The event relay between masters on Redis. Several masters on one Redis (and on a Redis Cluster) hear each
// other's job events and blacklistings, the events of one turn as one message in order, and an older master's
// one-event messages too.
// Deployments on different databases of one Redis server share no job events. Redis pub/sub ignores the database
// number, so before the relay's channel named it, staging on /1 and production on /0 under the default prefix
// showed each other's jobs on their boards. Real masters, a real Redis, real event streams.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../api-types.ts';
import { LiveEvents, type BlacklistNotice } from '../events/live-events.ts';
import { RedisEventRelay, type FromOtherMasters } from '../events/redis-event-relay.ts';
import { createLogger } from '../log.ts';
import { submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { deleteRedisKeys, redisAdmin, STORE_KINDS, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

const silent = createLogger('silent');
/** Keeps what the relay hears from other masters. */
const hearing = (heard: LiveEvent[] = [], blacklistings: BlacklistNotice[] = []): FromOtherMasters => ({
  event: (event) => void heard.push(event),
  blacklisting: (notice) => void blacklistings.push(notice),
});
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
      new RedisEventRelay(kind.redisTarget!(), channel, here, hearing(), silent, 5_000),
      new RedisEventRelay(kind.redisTarget!(), channel, there, hearing(heard), silent, 5_000),
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
      new RedisEventRelay(kind.redisTarget!(), channel, here, hearing(), silent, 5_000),
      new RedisEventRelay(kind.redisTarget!(), channel, new LiveEvents(), hearing(heard), silent, 5_000),
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

  it('relay blacklistings, alone or in the message of their turn’s events', async () => {
    const here = new LiveEvents();
    const channel = `test:${randomUUID()}:events`;
    const [heard, blacklistings]: [LiveEvent[], BlacklistNotice[]] = [[], []];
    const messages: { events: LiveEvent[]; blacklistings?: BlacklistNotice[] }[] = [];
    const listener = redisAdmin(kind.redisTarget!());
    listener.on('message', (_channel: string, raw: string) => messages.push(JSON.parse(raw) as (typeof messages)[number]));
    await listener.subscribe(channel);
    const relays = [
      new RedisEventRelay(kind.redisTarget!(), channel, here, hearing(), silent, 5_000),
      new RedisEventRelay(kind.redisTarget!(), channel, new LiveEvents(), hearing(heard, blacklistings), silent, 5_000),
    ];
    try {
      await until(() => {
        here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'warm-up' });
        return heard.length > 0;
      }, 'the relays to hear each other');
      // The last warm-up goes out at the end of this turn, in a message of its own.
      await new Promise((resolve) => setImmediate(resolve));
      // As a master blacklists: in a turn of its own.
      here.announceBlacklisting({ workerId: 'suspect-identity-1', reason: 'failed a spot check' });
      await until(() => blacklistings.length === 1, 'the blacklisting to cross over');
      expect(blacklistings).toEqual([{ workerId: 'suspect-identity-1', reason: 'failed a spot check' }]);
      // With a job event of the same turn: one message carries both.
      here.announceBlacklisting({ workerId: 'suspect-identity-2', reason: 'outvoted' });
      here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'job-1' });
      await until(() => blacklistings.length === 2, 'the second blacklisting to cross over');
      expect(blacklistings[1]).toEqual({ workerId: 'suspect-identity-2', reason: 'outvoted' });
      expect(heard).toContainEqual({ type: 'job-deleted', transition: 'cancelled', id: 'job-1' });
      await until(() => messages.some((message) => message.blacklistings?.[0]?.workerId === 'suspect-identity-2'), 'the listener to hear it');
      const carried = messages.filter(
        (message) => message.blacklistings || message.events.some((event) => event.type === 'job-deleted' && event.id === 'job-1'),
      );
      // Sorted: on a Cluster each message is published on a node of its own, and may reach the listener first.
      expect(carried.map((message) => [message.events.length, message.blacklistings?.length]).sort()).toEqual([
        [0, 1],
        [1, 1],
      ]);
      // A message of job events alone carries no blacklistings at all, as an older master's did.
      const warmUps = messages.filter((message) => message.events.some((event) => event.type === 'job-deleted' && event.id === 'warm-up'));
      expect(warmUps.length).toBeGreaterThan(0);
      expect(warmUps.filter((message) => 'blacklistings' in message)).toEqual([]);
    } finally {
      for (const relay of relays) await relay.close();
      listener.disconnect();
    }
  });
});
