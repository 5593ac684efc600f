// The store's job counts by status, as last read. With Redis a read may fail
// while the server is away; the last good counts then stand in.
import type { Logger } from '../log.ts';
import type { JobStore, StatusCounts } from '../store/job-store.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

export class QueueDepth {
  private lastGood: StatusCounts | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly log: Logger,
  ) {}

  /** Reads the counts afresh; never throws, answers the last good counts if the read fails. */
  async sample(): Promise<StatusCounts | null> {
    try {
      this.lastGood = await this.store.counts();
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.log.debug({ err: error }, 'job counts unavailable');
      else this.log.error({ err: error }, 'counting jobs failed');
    }
    return this.lastGood;
  }
}
