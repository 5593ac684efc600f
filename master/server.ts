// Composition root: builds the master from a config, starts it, and stops it cleanly.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './http/app.ts';
import { RATE_COUNT_TIMEOUT_MS } from './http/address-limiter.ts';
import { refuseConnect, refuseUnmetExpectations } from './http/bare-refusals.ts';
import { RequestRate } from './http/request-rate.ts';
import { answerClientErrors } from './http/client-errors.ts';
import { proxyTrust } from './http/client-address.ts';
import { limitConnections } from './http/connection-limits.ts';
import { upgradeIgnorer } from './http/ignored-upgrade.ts';
import { IncomingSweeper } from './http/incoming-sweeper.ts';
import { incomingDir } from './http/upload.ts';
import { openFileLimit, openFileWarning } from './http/open-file-limit.ts';
import { verificationPolicyView } from './http/verification-router.ts';
import type { Config } from './config.ts';
import { BoardStreams } from './events/board-streams.ts';
import { LiveEvents } from './events/live-events.ts';
import { WorkerHub } from './hub/worker-hub.ts';
import { WorkerRegistry } from './hub/worker-registry.ts';
import type { IdentityStore } from './identity/identity-store.ts';
import { RedisIdentityStore } from './identity/redis-identity-store.ts';
import { SqliteIdentityStore } from './identity/sqlite-identity-store.ts';
import { OwnerKeys } from './identity/owner-keys.ts';
import { NewIdentityRate } from './identity/new-identity-rate.ts';
import { WorkerIdentities } from './identity/worker-identities.ts';
import { derivedFleetToken, newSecret } from './identity/worker-tokens.ts';
import { ImagePreparer } from './images/prepared-image.ts';
import { JobLifecycle } from './lifecycle/job-lifecycle.ts';
import { RetentionSweeper } from './lifecycle/retention.ts';
import { GoldPool } from './trust/gold-pool.ts';
import { GoldSet } from './trust/gold-set.ts';
import { SpotChecks } from './trust/spot-checks.ts';
import { Verifier } from './trust/verification.ts';
import { createLogger, type Logger } from './log.ts';
import { loadModelFiles } from './model/model-files.ts';
import type { JobStore } from './store/job-store.ts';
import { RedisJobStore } from './store/redis-job-store.ts';
import { MasterWatch } from './lifecycle/master-watch.ts';
import { SqliteJobStore } from './store/sqlite-job-store.ts';
import { DataDirLock } from './store/data-dir-lock.ts';
import { closeRedis, connectRedis, describeTarget, type RedisTarget } from './store/redis/redis-connection.ts';
import { nodesRequiringFullCoverage } from './store/redis/cluster-coverage.ts';
import { RedisEventRelay } from './events/redis-event-relay.ts';
import { startMasterStats } from './stats/master-stats.ts';
import { RedisVolunteerLedger } from './volunteers/redis-volunteer-ledger.ts';
import { SqliteVolunteerLedger } from './volunteers/sqlite-volunteer-ledger.ts';
import { VolunteerCredit } from './volunteers/volunteer-credit.ts';
import type { VolunteerLedger } from './volunteers/volunteer-ledger.ts';

export interface Master {
  url: string;
  port: number;
  store: JobStore;
  lifecycle: JobLifecycle;
  retention: RetentionSweeper;
  ledger: VolunteerLedger;
  identities: WorkerIdentities;
  workers: WorkerRegistry;
  hub: WorkerHub;
  events: LiveEvents;
  /** Prepares uploads for workers (decode, resize, encode), as POST /api/jobs does. */
  preparer: ImagePreparer;
  /** Stops taking requests, closes worker sockets (their jobs go back to the queue), closes the store. */
  close(): Promise<void>;
  /** What close() is waiting for now, named for a shutdown that outlasts SHUTDOWN_TIMEOUT_MS. */
  closeStep(): string;
}

/** Parts a test may swap for its own (e.g. a preparer that fails); each defaults to the real one. */
export interface MasterParts {
  preparer?: ImagePreparer;
  /** Makes the verifier from the config and the identities' trust records. */
  verifier?: (config: Config, records: IdentityStore) => Verifier;
}

export async function startMaster(config: Config, log: Logger = createLogger(config.logLevel), parts: MasterParts = {}): Promise<Master> {
  // The embedded store's data directory is this master's alone, taken before anything in it is read or written.
  // Masters sharing Redis may share DATA_DIR: only uploads arrive there, each in a file of its own, swept by age.
  const lock = redisTarget(config) ? null : DataDirLock.take(config.dataDir);
  try {
    return await startLocked(config, log, parts, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function startLocked(config: Config, log: Logger, parts: MasterParts, lock: DataDirLock | null): Promise<Master> {
  const model = loadModelFiles(config.modelDir, config.modelInputRange);
  // Uploads are prepared for the served model's input size: what workers receive (master/images/prepared-image.ts).
  const preparer = parts.preparer ?? new ImagePreparer(model.view.imageSize, config.maxImagePixels);
  const { maxAttempts, maxLeases, failureQuorum, maxPendingJobs, idempotencyTtlMs, leaseScanLimit, maxVotersPerNetwork, maxAnswersPerJob, errorAttemptsShown } =
    config;
  const limits = {
    maxAttempts,
    maxLeases,
    failureQuorum,
    maxPendingJobs,
    idempotencyTtlMs,
    leaseScanLimit,
    maxVotersPerNetwork,
    maxAnswersPerJob,
    errorAttemptsShown,
    reopenBatch: config.retentionBatch,
  };
  const redisAt = redisTarget(config);
  const commandTimeoutMs = config.redisCommandTimeoutMs;
  const redis = redisAt
    ? await RedisJobStore.connect({ target: redisAt, keyPrefix: config.redisPrefix, partitions: config.queuePartitions, limits, commandTimeoutMs, log })
    : null;
  const store: JobStore = redis ?? new SqliteJobStore(config.dataDir, limits, log, config.maxUndeletedImages);
  const ledger: VolunteerLedger = redisAt
    ? await RedisVolunteerLedger.connect(redisAt, config.redisPrefix, commandTimeoutMs)
    : new SqliteVolunteerLedger(config.dataDir);
  const identityStore: IdentityStore = redisAt
    ? await RedisIdentityStore.connect(redisAt, config.redisPrefix, commandTimeoutMs)
    : new SqliteIdentityStore(config.dataDir);
  // One secret signs worker tokens and owner keys (each with a key of its own): set, or made once and kept in the store.
  const secret = config.workerTokenSecret ?? (await identityStore.secretOr(newSecret()));
  const fleetToken = config.fleetToken === null ? undefined : (config.fleetToken ?? derivedFleetToken(secret));
  // Request rates and new identities per address are counted in Redis when masters share it: one allowance per client, not one per master.
  const rateRedis = redisAt ? await connectRedis(redisAt, Math.min(RATE_COUNT_TIMEOUT_MS, commandTimeoutMs)) : null;
  const sharedRate = rateRedis ? { redis: rateRedis, keyPrefix: config.redisPrefix } : undefined;
  const identities = await WorkerIdentities.open(identityStore, {
    secret,
    fleetToken,
    newIdentities: new NewIdentityRate(config, sharedRate),
    tokenMaxAgeMs: config.identityTokenMaxAgeMs,
  });
  const ownerKeys = new OwnerKeys(secret);
  const requestRate = new RequestRate(config, sharedRate);
  // Who each request comes from, for every per-address limit: the one reading of TRUSTED_PROXIES (client-address.ts).
  const clients = proxyTrust(config.trustedProxies);
  const events = new LiveEvents();
  const workers = new WorkerRegistry(events, config.workerEventsEveryMs);
  const verifier = parts.verifier?.(config, identityStore) ?? new Verifier(config, identityStore);
  const spotChecks = config.goldDir ? await startSpotChecks(config, model.view.imageSize, identityStore, log) : undefined;
  if (!spotChecks && config.minChecksToVerify > 0)
    log.info(
      'no GOLD_DIR: no volunteer can pass a spot check, so no volunteer answer is verified (MIN_CHECKS_TO_VERIFY); their jobs go to the fleet or end unverified',
    );
  const lifecycle = new JobLifecycle({
    store,
    events,
    workers,
    log,
    leaseMs: config.leaseMs,
    verifier,
    spotChecks,
    maxWaitingVotes: config.maxWaitingVotes,
    batchRules: {
      // Volunteers that can have passed over one job still open to others: its MAX_ANSWERS_PER_JOB answers (every
      // volunteer answer it holds, those of identities blacklisted since included, which MAX_REPLICAS does not count:
      // it is at least MAX_REPLICAS, config.ts), MAX_LEASES refused or dropping it too often, FAILURE_QUORUM calling it
      // unprocessable, each cap counting a network once, so each network's sessions in a batch (MAX_VOTERS_PER_NETWORK of it).
      passersPerJob: (config.maxAnswersPerJob + config.maxLeases + config.failureQuorum) * config.maxVotersPerNetwork,
      volunteersPerNetwork: config.maxVotersPerNetwork,
    },
  });
  // On a shared store the other masters requeue a dead master's leases once it goes silent (master-watch.ts).
  if (!redis) await lifecycle.recover();

  const shared = redis && (await shareWithOtherMasters(redisAt!, config.redisPrefix, config.masterTimeoutMs, commandTimeoutMs, redis, events, lifecycle, log));
  const credit = new VolunteerCredit(ledger, log, events, config.leaseMs, config.displayNameWriteIntervalMs);
  const hub = new WorkerHub(lifecycle, log, {
    heartbeatMs: config.heartbeatMs,
    leaseMs: config.leaseMs,
    modelHash: () => model.view.hash,
    identities,
    credit,
    allowedOrigins: config.allowedOrigins,
    requestRate,
    proxyTrust: clients,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    maxRefusedMessages: config.maxRefusedMessages,
    refusedLogIntervalMs: config.refusedLogIntervalMs,
    maxMalformedMessages: config.maxMalformedMessages,
    maxMessageBytes: config.maxWorkerMessageBytes,
    helloTimeoutMs: config.helloTimeoutMs,
    maxMessagesPerSecond: config.maxWorkerMessagesPerSecond,
    maxBytesPerSecond: config.maxWorkerBytesPerSecond,
    maxMessagesInFlight: config.maxWorkerMessagesInFlight,
    maxSendBufferBytes: config.maxWorkerSendBufferBytes,
  });
  const boards = new BoardStreams(
    events,
    {
      maxClients: config.maxEventStreams,
      stallMs: config.eventStreamStallMs,
      replayEvents: config.eventReplayEvents,
      replayBytes: config.eventReplayBytes,
      reconnectMs: config.eventReconnectMs,
      keepaliveMs: config.eventKeepaliveMs,
    },
    () => workers.size,
  );
  const stats = startMasterStats({ store, events, boards, lifecycle, workers, hubCounters: hub.counters, log, workersShown: config.statsWorkersShown });
  let closing: Promise<void> | null = null;
  const draining = () => closing !== null;
  // Headers and request timeouts are checked this often (Node's default, 30 s, would let slow headers linger). A
  // request without Host is refused by the app, in the API's error shape (http/bare-refusals.ts).
  const server = http.createServer(
    { connectionsCheckingInterval: 1_000, maxHeaderSize: config.maxHeaderBytes, requireHostHeader: false },
    createApp({
      config,
      store,
      lifecycle,
      workers,
      boards,
      model,
      preparer,
      verificationPolicy: verificationPolicyView(config, spotChecks !== undefined),
      log,
      stats,
      ledger,
      identities,
      ownerKeys,
      draining,
      requestRate,
      proxyTrust: clients,
    }),
  );
  const ignoreUpgrade = upgradeIgnorer(server);
  limitConnections(server, config, clients);
  answerClientErrors(server, config);
  refuseUnmetExpectations(server);
  refuseConnect(server);
  hub.attach(server, ignoreUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  lifecycle.start();
  const retention = new RetentionSweeper(lifecycle, store, ledger, identityStore, config, log);
  retention.start();
  // Uploads a master killed mid-request left on disk: swept now, and while this one runs.
  const incoming = new IncomingSweeper(incomingDir(config.dataDir), config.requestTimeoutMs, log);
  await incoming.start();

  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const storeName = redis ? `redis ${describeTarget(redisAt!)} prefix ${config.redisPrefix}` : `sqlite in ${config.dataDir}`;
  log.info({ url, model: model.view.name, modelHash: model.view.hash, modelChecksummed: model.checksummed, store: storeName }, 'master listening');
  const fileWarning = openFileWarning(config.maxConnections, config.maxUploadsInFlight, openFileLimit());
  if (fileWarning) log.warn(fileWarning);
  const strictNodes = rateRedis ? await nodesRequiringFullCoverage(rateRedis) : [];
  if (strictNodes.length > 0)
    log.warn(
      { nodes: strictNodes },
      'Redis Cluster nodes with cluster-require-full-coverage yes (Redis’s default): while any node is down, every node refuses every call, so every queue partition stops, not only that node’s; set it to no',
    );
  // Without it, a first user's own page is one volunteer, whose answers alone never finish a job.
  if (config.fleetToken === undefined)
    log.info(
      { workerPage: `${url}/worker#fleet-token=${fleetToken}` },
      "the operator's worker page: its answers are trusted (FLEET_TOKEN=<the token in it> npm run fleet runs headless ones; FLEET_TOKEN sets another)",
    );

  let closeStep = 'not closing';
  /** Names what close() waits for next, so a shutdown cut off by its deadline says where it hung. */
  const waitFor = <T>(step: string, work: Promise<T>): Promise<T> => {
    closeStep = step;
    return work;
  };
  const close = () =>
    (closing ??= (async () => {
      hub.stopDealing();
      const stopped = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      lifecycle.stop();
      retention.stop();
      stats.stop();
      await waitFor('uploads being written', incoming.stop());
      await waitFor('worker answers being handled', hub.close());
      await waitFor('job transitions under way', lifecycle.idle());
      credit.stop();
      await waitFor('the retention step under way', retention.idle());
      // Only now: the transitions of the drain must reach the other masters, and this master must still say it is
      // alive while it drains, or another takes it for dead and requeues the leases whose answers it is finishing.
      if (shared) await waitFor('the relay between masters', shared.close());
      workers.stop();
      boards.close();
      server.closeAllConnections();
      await waitFor('HTTP connections to close', stopped);
      await waitFor('the job store to close', store.close());
      await waitFor('the volunteer ledger to close', ledger.close());
      if (rateRedis) await waitFor("the rate limiter's Redis to close", closeRedis(rateRedis));
      await waitFor('the identity store to close', identityStore.close());
      lock?.release();
      log.info('master stopped');
    })());
  return { url, port, store, ledger, identities, lifecycle, retention, workers, hub, events, preparer, close, closeStep: () => closeStep };
}

/**
 * With Redis: job events travel between masters, a job queued anywhere wakes
 * idle workers here, and dispatch resumes the moment Redis comes back. The
 * lifecycle's look at the queue every second (a dispatch when it holds jobs)
 * covers pub/sub messages lost while Redis was away.
 */
/** Spot checks drawn from GOLD_DIR, in the form jobs reach workers; a bad gold folder stops the master at start, naming the file and line. */
async function startSpotChecks(config: Config, imageSize: number, identityStore: IdentityStore, log: Logger): Promise<SpotChecks> {
  const gold = await GoldSet.load({ dir: config.goldDir!, answers: config.goldAnswers, imageSize });
  log.info({ goldImages: gold.size, fraction: config.goldFraction, fractionNew: config.goldFractionNew, pool: config.goldPoolSize }, 'spot checks on');
  // A job id a worker receives can be looked up on a public board, a spot check's cannot.
  if (config.board === 'public')
    log.warn('spot checks are on with BOARD=public: a worker that looks up its job ids on the board can tell spot checks apart; use BOARD=private');
  return new SpotChecks(new GoldPool(gold, config.goldPoolSize), { proven: config.goldFraction, unproven: config.goldFractionNew }, identityStore);
}

async function shareWithOtherMasters(
  target: RedisTarget,
  prefix: string,
  masterTimeoutMs: number,
  commandTimeoutMs: number,
  redis: RedisJobStore,
  events: LiveEvents,
  lifecycle: JobLifecycle,
  log: Logger,
) {
  const relay = new RedisEventRelay(
    target,
    `${prefix}events`,
    events,
    { event: (event) => lifecycle.fromOtherMaster(event), blacklisting: (notice) => lifecycle.blacklistedElsewhere(notice) },
    log,
    commandTimeoutMs,
  );
  const unwatch = redis.onAvailabilityChange((available) => {
    log[available ? 'info' : 'warn']({ available }, available ? 'Redis is back: resuming dispatch' : 'Redis unreachable: submissions get 503');
    if (available) lifecycle.dispatch();
  });
  const watch = new MasterWatch(redis.presence, lifecycle, masterTimeoutMs, log);
  return {
    async close() {
      await watch.close();
      unwatch();
      await relay.close();
    },
  };
}

/** Where the Redis store lives, if the config names one. */
function redisTarget({ redisUrl, redisClusterNodes }: Config): RedisTarget | null {
  if (redisClusterNodes) return { clusterNodes: redisClusterNodes };
  return redisUrl ? { url: redisUrl } : null;
}
