// Errors a store may throw that callers can act on, and how a failed store call is logged.
import type { Logger } from '../log.ts';

/**
 * The store cannot be reached just now (connection down, or a command timed
 * out). Nothing is known to have been written: answer 503 and let the client
 * retry (uploads with an Idempotency-Key retry safely).
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A call the store sent but heard no answer to in time (Redis stalled past the command timeout, or the connection
 * dropped): Redis may still run it, or may have. `late` resolves, once the store can tell from the job itself, with
 * what the call did (redis/late-outcomes.ts), or undefined when it did not run or could not be told in time. Never rejects.
 */
export class UnansweredCallError<T = unknown> extends StoreUnavailableError {
  constructor(
    cause: StoreUnavailableError,
    readonly late: Promise<T | undefined>,
  ) {
    super(cause.message, { cause });
    this.name = 'UnansweredCallError';
  }
}

/** One of the embedded store's files cannot be opened: damaged, not a database, out of reach. The master stops at start. */
export class StoreFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreFileError';
  }
}

/**
 * Admitting these jobs would take the queued and leased jobs past the limit.
 * Checked in the same atomic step as the create, so nothing was stored.
 */
export class QueueFullError extends Error {
  constructor(readonly maxPendingJobs: number) {
    super(`the queue holds its limit of ${maxPendingJobs} pending jobs; try again shortly`);
    this.name = 'QueueFullError';
  }
}

/**
 * The Idempotency-Key was first used by a request with other images: a client
 * bug, not a retry. Checked atomically with the create; nothing was stored.
 */
export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super('this Idempotency-Key was already used with other images; use a new key for a new request');
    this.name = 'IdempotencyKeyReusedError';
  }
}

/**
 * The Redis store under this prefix was created with another number of partitions: its jobs would be looked for in
 * the wrong ones. Every master sharing a store must be started with the same QUEUE_PARTITIONS.
 */
export class PartitionCountMismatchError extends Error {
  constructor(prefix: string, stored: number, asked: number) {
    super(
      `the Redis store under prefix "${prefix}" has ${stored} queue partition(s), this master was started with QUEUE_PARTITIONS=${asked}; ` +
        'start it with the same number, or use a new REDIS_PREFIX for a store with another',
    );
    this.name = 'PartitionCountMismatchError';
  }
}

/** An unreachable store is expected now and then (Redis restarts): say so quietly; anything else is a bug. */
export function logStoreError(log: Logger, error: unknown, what: string): void {
  if (error instanceof StoreUnavailableError) log.debug({ err: error }, what);
  else log.error({ err: error }, what);
}
