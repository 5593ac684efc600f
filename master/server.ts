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
import { SqliteJobStore } from './store/sqlite-job-store.ts';

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
  const store: JobStore = new SqliteJobStore(config.dataDir, { maxAttempts: config.maxAttempts, maxLeases: config.maxLeases });
  await recoverLeases(store, log);

  const events = new LiveEvents();
  const dispatcher = new Dispatcher(store, events, log, config.leaseMs);
  const hub = new WorkerHub(dispatcher, log, { heartbeatMs: config.heartbeatMs, leaseMs: config.leaseMs, modelHash: () => model.view.hash });
  const server = http.createServer(createApp({ config, store, dispatcher, events, model, log }));
  hub.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  dispatcher.start();
  dispatcher.pump();

  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  log.info({ url, model: model.view.name, modelHash: model.view.hash, dataDir: config.dataDir }, 'master listening');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      dispatcher.stop();
      await hub.close();
      await dispatcher.idle();
      server.closeAllConnections();
      await stopped;
      await store.close();
      log.info('master stopped');
    })());
  return { url, port, store, dispatcher, hub, events, close };
}

/** Jobs leased when the previous master died have no worker any more: queue them again. */
async function recoverLeases(store: JobStore, log: Logger): Promise<void> {
  const leases = await store.activeLeases();
  for (const lease of leases) await store.release(lease, 'recovered', 'master restarted while the job was leased', Date.now());
  if (leases.length) log.info({ count: leases.length }, 'requeued jobs leased before the restart');
}
