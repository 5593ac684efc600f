// The Redis connection as the store needs it: a call fails at once while
// Redis is away (so the master can answer 503 instead of hanging), while the
// client keeps reconnecting in the background for as long as it takes.
import { Cluster, Redis, ReplyError, type ChainableCommander } from 'ioredis';
import { backoffDelay } from '../../../common/backoff.ts';
import { StoreUnavailableError } from '../store-errors.ts';
import type { RedisClient } from './lua-scripts.ts';

/** Where the store lives: one Redis server, or the nodes of a Redis Cluster to discover it from. */
export type RedisTarget = { url: string } | { clusterNodes: { host: string; port: number }[] };

/** How long a call waits on a Redis that does not answer before it fails as unavailable, unless REDIS_COMMAND_TIMEOUT_MS says otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

/** The longest wait between reconnect attempts: a master may come back this long after Redis did. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

/** Reconnect after 50 ms, doubling up to MAX_RECONNECT_DELAY_MS, forever. */
export const reconnectDelay = (attempt: number) => backoffDelay(attempt, { initialMs: 50, maxMs: MAX_RECONNECT_DELAY_MS });

/** For logs: where the target is. */
export const describeTarget = (target: RedisTarget) =>
  'url' in target ? new URL(target.url).host : `cluster ${target.clusterNodes.map(({ host, port }) => `${host}:${port}`).join(',')}`;

export function createRedisClient(target: RedisTarget, commandTimeoutMs: number): RedisClient {
  const options = {
    // Commands in flight when the connection drops fail at once and are never
    // sent again: a script whose reply was lost may have applied already.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // A Redis that is up but does not answer (hung, partitioned) fails too.
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
  };
  // While disconnected, reject instead of queueing until Redis returns.
  if ('url' in target) return new Redis(target.url, { ...options, lazyConnect: true, retryStrategy: reconnectDelay, enableOfflineQueue: false });
  return new Cluster(target.clusterNodes, {
    lazyConnect: true,
    clusterRetryStrategy: reconnectDelay,
    enableOfflineQueue: false,
    // The cluster client would otherwise send again, on its own, a command whose node connection closed: the same
    // lost-reply hazard as above. Redirections and CLUSTERDOWN stay retried a while: the node ran nothing.
    retryDelayOnFailover: 0,
    // The ready check asks one node, at random, for CLUSTER INFO; with that node down it fails, the client reconnects,
    // and the connect() that started it never settles (about one connect in four with one node of four down), so a
    // master could not start. Without it the client is ready once it has read the slots, and a call to a partition
    // whose node is down fails as unavailable (reachRedis), as it does once connected.
    enableReadyCheck: false,
    redisOptions: options,
  });
}

/**
 * A connected client, or StoreUnavailableError naming the target when Redis cannot be reached now; afterwards the
 * client reconnects by itself and its connection errors surface as StoreUnavailableError on the next call.
 */
export async function connectRedis(target: RedisTarget, commandTimeoutMs: number): Promise<RedisClient> {
  const redis = createRedisClient(target, commandTimeoutMs);
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new StoreUnavailableError(`cannot reach Redis at ${describeTarget(target)}`, { cause: error });
  }
  return redis;
}

/** Says goodbye to Redis, or just drops the connection when Redis is away. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}

/**
 * Replies by which Redis says it cannot serve now, having run nothing: a cluster without every slot served, a node
 * loading its data after a restart, a replica cut from its master, a slot being moved, a script running past
 * busy-reply-threshold.
 */
const NOT_SERVING_NOW = /^(CLUSTERDOWN|LOADING|MASTERDOWN|TRYAGAIN|BUSY)\b/;

/**
 * The client's failures for a call it never sent: not connected, with no offline queue to hold the call
 * (createRedisClient). Matched by message, ioredis having no error class for them: one these miss is taken as sent.
 */
const NEVER_SENT = new Set(["Stream isn't writeable and enableOfflineQueue options is false", "Cluster isn't ready and enableOfflineQueue options is false"]);

/**
 * How a cluster client gives up on a call it sent again and again, each time refused: redirected to another node
 * (MOVED, ASK) or told to wait (TRYAGAIN, CLUSTERDOWN), the refusals it retries (a connection that closed under a call
 * it does not: retryDelayOnFailover 0, createRedisClient). The last reply, if a refusal too, says it never ran.
 */
const REFUSED_EVERY_TIME = /^Too many Cluster redirections\. Last error: ReplyError: (MOVED|ASK|CLUSTERDOWN|LOADING|MASTERDOWN|TRYAGAIN|BUSY)\b/;

/**
 * Runs a Redis call, turning "could not reach Redis" (and "cannot serve now") into StoreUnavailableError; other errors
 * Redis replied with pass through.
 */
export async function reachRedis<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ReplyError && !NOT_SERVING_NOW.test((error as Error).message)) throw error;
    throw new StoreUnavailableError(`Redis unavailable: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Whether a call reachRedis failed as unavailable may run in Redis yet, or may have run: it was sent and went
 * unanswered, its command timeout passed or its connection dropped. Not when Redis answered that it cannot serve now
 * (NOT_SERVING_NOW, or a cluster's every answer a refusal: REFUSED_EVERY_TIME; it ran nothing, a BUSY script being
 * another's), nor when the client never sent it (NEVER_SENT). Any other failure may have run. So does "Connection is
 * closed.": a cluster fails so a call in flight on a node's connection that closed, as it does one it never sent (from
 * one Redis it comes only once the client has ended, when nothing more is read anyway).
 */
export function mayHaveRun(error: StoreUnavailableError): boolean {
  const { cause } = error;
  if (cause instanceof ReplyError) return false;
  if (!(cause instanceof Error)) return true;
  return !NEVER_SENT.has(cause.message) && !REFUSED_EVERY_TIME.test(cause.message);
}

/** Runs a pipeline or MULTI and returns its replies; fails like one command if any command in it failed. */
export function execBatch(batch: ChainableCommander): Promise<unknown[]> {
  return reachRedis(async () => {
    // exec resolves with an error per command instead of rejecting; null only after a failed WATCH, never used here.
    const replies = (await batch.exec())!;
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
  });
}
