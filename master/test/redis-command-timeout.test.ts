// REDIS_COMMAND_TIMEOUT_MS: how long a master on a Redis that is up but does not answer (hung, partitioned) waits on
// a call before it answers 503 store-unavailable. A real master on a redis-server of its own, stopped with SIGSTOP.
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/free-port.ts';
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
});
