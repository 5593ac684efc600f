// REDIS_COMMAND_TIMEOUT_MS: how long a master on a Redis that is up but does not answer (hung, partitioned) waits on
// a call before it answers 503 store-unavailable. A real master on a redis-server of its own, stopped with SIGSTOP.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveEvents } from '../events/live-events.ts';
import { RedisEventRelay } from '../events/redis-event-relay.ts';
import { capturedLog } from '../../test/support/captured-log.ts';
import { freePort } from '../../test/support/free-port.ts';
import { until } from '../../test/support/jobs-client.ts';
import { startRedis, stopRedis } from '../../test/support/redis-server.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

describe('REDIS_COMMAND_TIMEOUT_MS', () => {
  let redis: ChildProcess | null = null;
  let master: TestMaster | null = null;
  afterEach(async () => {
    redis?.kill('SIGCONT');
    await master?.close();
    if (redis) await stopRedis(redis);
    redis = null;
    master = null;
  });

  it('is how long a master waits on a Redis that stopped answering before it answers 503 store-unavailable', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    master = await startTestMaster({ redisUrl: `redis://127.0.0.1:${port}/0`, redisCommandTimeoutMs: 300 });
    expect((await fetch(`${master.url}/api/jobs?limit=1`)).status).toBe(200);

    redis.kill('SIGSTOP');
    const started = Date.now();
    const answer = await fetch(`${master.url}/api/jobs?limit=1`);
    const waited = Date.now() - started;
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('store-unavailable');
    // 300 ms on the store, after at most the request count's own wait (RATE_COUNT_TIMEOUT_MS, 1 s); the default 5 s is far past this.
    expect(waited).toBeLessThan(3_000);
  });

  it('bounds a publish of the event relay too: it fails with a warning rather than holding its message for the hang', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    const { log, lines } = capturedLog();
    const here = new LiveEvents();
    const relay = new RedisEventRelay({ url: `redis://127.0.0.1:${port}/0` }, 'test:events', here, { event: () => {}, blacklisting: () => {} }, log, 300);
    const listener = new Redis(`redis://127.0.0.1:${port}/0`);
    try {
      let heard = 0;
      listener.on('message', () => heard++);
      await listener.subscribe('test:events');
      await until(() => {
        here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'warm-up' });
        return heard > 0;
      }, 'the relay to publish');
      listener.disconnect();
      redis.kill('SIGSTOP');
      here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'job-1' });
      // Without a timeout the publish waits as long as Redis is stopped, and nothing is said.
      await until(() => lines.some((line) => line.msg.startsWith('event relay: cannot tell other masters')), 'the publish to fail');
    } finally {
      listener.disconnect();
      redis.kill('SIGCONT');
      await relay.close();
    }
  });
});
