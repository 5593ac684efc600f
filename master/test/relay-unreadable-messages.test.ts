// A message on the events channel that is no master's envelope (not JSON, or JSON of another shape) is dropped by
// every master, which keeps running and keeps hearing the others. Before, each master parsed it unguarded in the
// subscriber's listener and died of the exception: one PUBLISH took down every master sharing the Redis. A flood of
// such messages costs one warning, not one log line each. Real master processes and relays, a real Redis.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../api-types.ts';
import { LiveEvents } from '../events/live-events.ts';
import { RedisEventRelay } from '../events/redis-event-relay.ts';
import { capturedLog } from '../../test/support/captured-log.ts';
import { until } from '../../test/support/jobs-client.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';

const masters: MasterProcess[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const master of masters.splice(0)) await master.stop('SIGKILL');
  for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
});

async function publish(channel: string, ...messages: string[]): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    for (const message of messages) await redis.publish(channel, message);
  } finally {
    redis.disconnect();
  }
}

describe('a message on the events channel that no master wrote', () => {
  it('leaves the masters running', async () => {
    const prefix = `test:${randomUUID()}:`;
    prefixes.push(prefix);
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix };
    const [a, b] = await Promise.all([spawnMaster(env), spawnMaster(env)]);
    masters.push(a, b);
    const exits: unknown[] = [];
    for (const master of [a, b]) master.child.once('exit', (code) => exits.push(code));
    const boards = await Promise.all([a, b].map((master) => SseClient.open(master.url)));
    try {
      // Not JSON, an envelope without events (as a newer master might leave out an empty list), then a good one: a
      // master reads them in order, so once its board shows the last, it has read the others.
      const good = JSON.stringify({ origin: 'another-master', events: [{ type: 'job-deleted', transition: 'cancelled', id: 'job-1' }] });
      await publish(`${prefix}events`, 'not json', JSON.stringify({ origin: 'another-master', blacklistings: [] }), good);
      await until(() => exits.length > 0 || boards.every((board) => board.framesNamed('job-deleted').length > 0), 'both boards to show the good message');
      const health = await Promise.all(
        [a, b].map((master) =>
          fetch(`${master.url}/api/health`).then(
            (response) => response.status,
            () => 'unreachable',
          ),
        ),
      );
      expect({ health, exits }).toEqual({ health: [200, 200], exits: [] });
    } finally {
      for (const board of boards) board.close();
    }
  });

  it('is dropped with one warning however many come, and the next good message is heard', async () => {
    const channel = `test:${randomUUID()}:events`;
    const { log, lines } = capturedLog();
    const heard: LiveEvent[] = [];
    const blacklisted: string[] = [];
    const here = new LiveEvents();
    const relays = [
      new RedisEventRelay({ url: TEST_REDIS_URL }, channel, here, { event: () => {}, blacklisting: () => {} }, log, 5_000),
      new RedisEventRelay(
        { url: TEST_REDIS_URL },
        channel,
        new LiveEvents(),
        { event: (event) => void heard.push(event), blacklisting: (notice) => void blacklisted.push(notice.workerId) },
        log,
        5_000,
      ),
    ];
    try {
      await until(() => {
        here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'warm-up' });
        return heard.length > 0;
      }, 'the relays to hear each other');
      const bad = [
        'not json',
        '{}',
        JSON.stringify({ origin: 'x', events: [{ type: 'job-deleted', transition: 'leased', id: 'job-1' }] }),
        JSON.stringify({ origin: 'x', event: null }),
      ];
      await publish(channel, ...Array.from({ length: 25 }, () => bad).flat());
      // One item it cannot read costs only itself: the message's other event and its blacklisting are heard.
      const unknown = { type: 'job-deleted', transition: 'vanished', id: 'job-2' };
      const mixed = {
        origin: 'x',
        events: [unknown, { type: 'job-deleted', transition: 'cancelled', id: 'job-3' }],
        blacklistings: [{ workerId: 'w', reason: 'r' }],
      };
      await publish(channel, JSON.stringify(mixed));
      here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'after' });
      await until(() => heard.some((event) => event.type === 'job-deleted' && event.id === 'after'), 'the good message after the bad ones');
      expect(heard.filter((event) => event.type === 'job-deleted' && event.id !== 'warm-up')).toEqual([
        { type: 'job-deleted', transition: 'cancelled', id: 'job-3' },
        { type: 'job-deleted', transition: 'cancelled', id: 'after' },
      ]);
      expect(blacklisted).toEqual(['w']);
      // Two relays heard them: one warning each.
      expect(lines.filter((line) => line.msg.includes('dropped what it could not read'))).toHaveLength(2);
    } finally {
      for (const relay of relays) await relay.close();
    }
  });
});
