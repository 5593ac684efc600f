// Errors a store may throw that callers can act on.

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
