// Indexing each partition's older jobs (RedisPartition.indexOlderJobs: a store written before an index has it filled
// once) without holding a master's start to every cluster node. At connect the partitions in reach are indexed, and
// one whose node is down (or hangs) is passed over; each reaper tick (expiredLeases) tries again, in the background,
// those not yet done. Which are done is kept in the record of the partitions leasing may take from
// (leasable-partitions.ts), which passes over the others. Their other calls need no index to be right (creates add
// their jobs to every index themselves; retention only finds older ended jobs later), but a blacklisting's walk reads
// the answers index, so it first has the partition indexed.
import type { Logger } from '../../log.ts';
import { logStoreError, StoreUnavailableError } from '../store-errors.ts';
import type { LeasablePartitions } from './leasable-partitions.ts';
import { inEveryReachable } from './reachable-partitions.ts';
import type { RedisPartition } from './redis-partition.ts';

export class OlderJobsIndex {
  /** Indexing under way, by partition: one run at a time, shared by whoever asks meanwhile. */
  private readonly running = new Map<number, Promise<void>>();
  /** Partitions whose indexing at a reaper tick failed other than as out of reach, and was logged so. */
  private readonly failureLogged = new Set<number>();
  /** Whether atConnect is over: a partition indexed after it was passed over there, and is said to be back. */
  private connected = false;

  constructor(
    private readonly partitions: readonly RedisPartition[],
    /** Where each partition is marked indexed once done. */
    private readonly leasable: LeasablePartitions,
    private readonly log: Logger | undefined,
  ) {}

  /** Indexes partition `p` unless that is done; fails as the indexing does (StoreUnavailableError while out of reach). */
  ensure(p: number): Promise<void> {
    if (this.leasable.isIndexed(p)) return Promise.resolve();
    let running = this.running.get(p);
    if (!running) {
      running = this.partitions[p]!.indexOlderJobs()
        .then(() => {
          this.leasable.markIndexed(p);
          // Whoever had it indexed (a reaper tick, or a blacklisting's walk first): the warning at start is answered.
          if (this.connected) this.log?.info({ partition: p }, 'queue partition back in reach: its older jobs are indexed, and leasing takes from it again');
        })
        .finally(() => this.running.delete(p));
      this.running.set(p, running);
    }
    return running;
  }

  /**
   * At connect: every partition at once, those out of reach passed over. Fails with any error that is not an outage,
   * and when none is in reach (so one Redis away fails the connect as before).
   */
  async atConnect(): Promise<void> {
    await inEveryReachable(this.partitions.map((_, p) => this.ensure(p)));
    this.connected = true;
    const passedOver = this.leasable.notIndexed();
    if (passedOver.length > 0)
      this.log?.warn({ partitions: passedOver }, 'queue partitions out of reach at start (their Redis node is down): their jobs wait until it is back');
  }

  /**
   * Tries again, without waiting, each partition not yet indexed and not being indexed; one that fails waits for the
   * next call. An error other than its node being out of reach (logged at debug) is logged once: the reaper ticks
   * every second or less.
   */
  catchUp(): void {
    for (const p of this.leasable.notIndexed()) {
      if (this.running.has(p)) continue;
      void this.ensure(p).catch((error: unknown) => {
        if (!this.log) return;
        if (!(error instanceof StoreUnavailableError)) {
          if (this.failureLogged.has(p)) return;
          this.failureLogged.add(p);
        }
        logStoreError(
          this.log,
          error,
          `indexing the older jobs of queue partition ${p} failed; leasing passes over it, and it is tried again at each reaper tick`,
        );
      });
    }
  }
}
