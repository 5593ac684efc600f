// The Redis connection as the store needs it: a call fails at once while
// Redis is away (so the master can answer 503 instead of hanging), while the
// client keeps reconnecting in the background for as long as it takes.
import { Redis, ReplyError, type ChainableCommander } from 'ioredis';
import { StoreUnavailableError } from '../store-errors.ts';

/** Reconnect after 50 ms, doubling up to 2 s, forever. */
const reconnectDelay = (attempt: number) => Math.min(50 * 2 ** attempt, 2_000);

export function createRedisClient(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    lazyConnect: true,
    retryStrategy: reconnectDelay,
    // While disconnected, reject instead of queueing until Redis returns.
    enableOfflineQueue: false,
    // Commands in flight when the connection drops fail at once and are never
    // sent again: a script whose reply was lost may have applied already.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // A Redis that is up but does not answer (hung, partitioned) fails too.
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
  });
}

/** Runs a Redis call, turning "could not reach Redis" into StoreUnavailableError; errors Redis replied with pass through. */
export async function reachRedis<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ReplyError) throw error;
    throw new StoreUnavailableError(`Redis unavailable: ${(error as Error).message}`, { cause: error });
  }
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
