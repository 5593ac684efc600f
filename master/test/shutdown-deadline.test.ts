// A real master process whose Redis stops answering (a proxy that holds every byte, sockets open) when it is told to
// stop: it waits SHUTDOWN_TIMEOUT_MS for its stores, then exits 1 saying what it waited for, and a second signal
// stops it at once. The unit tests of the same logic are in shutdown.test.ts.
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { stallingProxy, type StallingProxy } from '../../test/support/stalling-proxy.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { tempDataDir } from '../../test/support/test-master.ts';

interface LogLine {
  level: number;
  msg: string;
  waitingFor?: string;
  signal?: string;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A master on Redis through a proxy, its log lines kept as they come. */
async function masterBehindProxy(shutdownTimeoutMs: number): Promise<{ master: MasterProcess; proxy: StallingProxy; lines: LogLine[] }> {
  const redis = new URL(TEST_REDIS_URL);
  const proxy = await stallingProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  const prefix = `shutdown-${randomUUID()}:`;
  cleanups.push(
    () => proxy.close(),
    () => deleteRedisKeys(prefix),
  );
  const master = await spawnMaster({
    REDIS_URL: `redis://127.0.0.1:${proxy.port}${redis.pathname}`,
    REDIS_PREFIX: prefix,
    DATA_DIR: tempDataDir(),
    SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
  });
  cleanups.push(async () => void master.child.kill('SIGKILL'));
  const lines: LogLine[] = [];
  readline.createInterface({ input: master.child.stdout! }).on('line', (line) => void lines.push(JSON.parse(line) as LogLine));
  // It logs "listening" just before main.ts takes the stop signals; once it has answered a request, it has taken them.
  expect((await fetch(`${master.url}/livez`)).status).toBe(200);
  return { master, proxy, lines };
}

it('exits 1 once SHUTDOWN_TIMEOUT_MS has passed with its Redis not answering, naming the step it waited in', async () => {
  const { master, proxy, lines } = await masterBehindProxy(2_000);
  proxy.stall();
  expect(await master.stop('SIGTERM')).toBe(1);
  const error = lines.find((line) => line.msg === 'master: shutdown did not finish within SHUTDOWN_TIMEOUT_MS');
  // Which step hangs depends on which Redis call was under way (a retention step, a store closing); one is named.
  expect(error).toMatchObject({ level: 50, waitingFor: expect.any(String) });
  expect(error!.waitingFor).not.toBe('not closing');
  expect(lines.some((line) => line.msg === 'master stopped')).toBe(false);
}, 30_000);

it('exits at once with 143 on a second SIGTERM while it waits for its Redis, saying the shutdown was cut short', async () => {
  // A limit far past the test's timeout: only the second signal can end this master in time.
  const { master, proxy, lines } = await masterBehindProxy(600_000);
  proxy.stall();
  master.child.kill('SIGTERM');
  await new Promise<void>((resolve) => {
    const seen = () => (lines.some((line) => line.msg === 'master: stopping') ? resolve() : setTimeout(seen, 20));
    seen();
  });
  expect(await master.stop('SIGTERM')).toBe(143);
  expect(lines.find((line) => line.level === 50)).toMatchObject({ msg: 'master: shutdown cut short by a second signal', signal: 'SIGTERM' });
}, 30_000);
