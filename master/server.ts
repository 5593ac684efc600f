// Composition root: builds the master from a config, starts it, and stops it cleanly.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './http/app.ts';
import type { Config } from './config.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { LiveEvents } from './events/live-events.ts';
import { WorkerHub } from './hub/worker-hub.ts';
import { createLogger, type Logger } from './log.ts';
import { loadModelFiles } from './model/model-files.ts';
import type { JobStore } from './store/job-store.ts';
import { RedisJobStore } from './store/redis-job-store.ts';
import { SqliteJobStore } from './store/sqlite-job-store.ts';
import { describeTarget, type RedisTarget } from './store/redis/redis-connection.ts';
import { RedisEventRelay } from './events/redis-event-relay.ts';
import { startMasterStats } from './stats/master-stats.ts';

export interface Master {
  url: string;
  port: number;
  store: JobStore;
  dispatcher: Dispatcher;
  hub: WorkerHub;
  events: LiveEvents;
  /** Stops taking requests, closes worker sockets (their jobs go back to the queue), closes the store. */
  close(): Promise<void>;
}

export async function startMaster(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Master> {
  const model = loadModelFiles(config.modelDir, config.modelInputRange);
  const { maxAttempts, maxLeases, maxPendingJobs, idempotencyTtlMs } = config;
  const limits = { maxAttempts, maxLeases, maxPendingJobs, idempotencyTtlMs };
  const redisAt = redisTarget(config);
  const redis = redisAt ? await RedisJobStore.connect({ target: redisAt, keyPrefix: config.redisPrefix, limits }) : null;
  const store: JobStore = redis ?? new SqliteJobStore(config.dataDir, limits);
  // A shared store cannot tell a dead master's leases from a live one's: those wait for their deadline and the reaper.
  if (!redis) await recoverLeases(store, log);

  const events = new LiveEvents();
  const dispatcher = new Dispatcher(store, events, log, config.leaseMs);
  const shared = redis && (await shareWithOtherMasters(redisAt!, config.redisPrefix, redis, events, dispatcher, log));
  const hub = new WorkerHub(dispatcher, log, { heartbeatMs: config.heartbeatMs, leaseMs: config.leaseMs, modelHash: () => model.view.hash });
  const stats = startMasterStats({ store, events, dispatcher, log });
  const server = http.createServer(createApp({ config, store, dispatcher, events, model, log, stats }));
  hub.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  dispatcher.start();
  dispatcher.pump();

  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const storeName = redis ? `redis ${describeTarget(redisAt!)} prefix ${config.redisPrefix}` : `sqlite in ${config.dataDir}`;
  log.info({ url, model: model.view.name, modelHash: model.view.hash, modelChecksummed: model.checksummed, store: storeName }, 'master listening');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      dispatcher.stop();
      stats.stop();
      await shared?.close();
      await hub.close();
      await dispatcher.idle();
      server.closeAllConnections();
      await stopped;
      await store.close();
      log.info('master stopped');
    })());
  return { url, port, store, dispatcher, hub, events, close };
}

/**
 * With Redis: job events travel between masters, a job queued anywhere wakes
 * idle workers here, and dispatch resumes the moment Redis comes back. A pump
 * every second covers pub/sub messages lost while Redis was away.
 */
async function shareWithOtherMasters(target: RedisTarget, prefix: string, redis: RedisJobStore, events: LiveEvents, dispatcher: Dispatcher, log: Logger) {
  const relay = new RedisEventRelay(target, `${prefix}events`, events, (event) => {
    if (event.type === 'job' && event.job.status === 'queued') dispatcher.pump();
    if (event.type === 'job-deleted') dispatcher.cancelJob(event.id);
  }, log);
  const unwatch = redis.onAvailabilityChange((available) => {
    log[available ? 'info' : 'warn']({ available }, available ? 'Redis is back: resuming dispatch' : 'Redis unreachable: submissions get 503');
    if (available) dispatcher.pump();
  });
  const safetyNet = setInterval(() => dispatcher.pump(), 1000);
  return {
    async close() {
      clearInterval(safetyNet);
      unwatch();
      await relay.close();
    },
  };
}

/** Jobs leased when the previous master died have no worker any more: queue them again. */
async function recoverLeases(store: JobStore, log: Logger): Promise<void> {
  const leases = await store.activeLeases();
  for (const lease of leases) await store.release(lease, 'recovered', 'master restarted while the job was leased', Date.now());
  if (leases.length) log.info({ count: leases.length }, 'requeued jobs leased before the restart');
}

/** Where the Redis store lives, if the config names one. */
function redisTarget({ redisUrl, redisClusterNodes }: Config): RedisTarget | null {
  if (redisClusterNodes) return { clusterNodes: redisClusterNodes };
  return redisUrl ? { url: redisUrl } : null;
}
