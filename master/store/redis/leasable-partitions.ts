// Which partitions a lease call asks (redis-job-store.ts): the one record of what keeps a partition out of leasing.
// - Its older jobs not yet indexed: a master started while its node was down indexes it later (older-jobs-index.ts),
//   and until then leasing passes over it: its queued jobs, some perhaps not yet in the open queue, wait, and none is
//   leased twice.
// - Out of reach: a partition whose node hangs (stopped, or cut off without a reset) answers nothing until the command
//   timeout, and a master deals one lease call at a time: asking it on every call would hold every partition's
//   dealing to one batch per REDIS_COMMAND_TIMEOUT_MS. So one found out of reach is passed over, while another is in
//   reach, and a read at a time asks whether it is back.
import { StoreUnavailableError } from '../store-errors.ts';
import type { RedisPartition } from './redis-partition.ts';

export class LeasablePartitions {
  private readonly indexed: boolean[];
  private readonly outOfReach = new Set<number>();
  private readonly probing = new Set<number>();

  constructor(private readonly partitions: readonly RedisPartition[]) {
    this.indexed = partitions.map(() => false);
  }

  /** Partition `p`'s older jobs are indexed (older-jobs-index.ts): leasing may take from it from now on. */
  markIndexed(p: number): void {
    this.indexed[p] = true;
  }

  isIndexed(p: number): boolean {
    return this.indexed[p]!;
  }

  /** The partitions whose older jobs are not yet indexed, in order. */
  notIndexed(): number[] {
    return this.indexed.flatMap((indexed, p) => (indexed ? [] : [p]));
  }

  /** A call to partition `p` failed as unavailable: leasing passes over it until a read of it answers. */
  failed(p: number, error: unknown): void {
    if (error instanceof StoreUnavailableError) this.outOfReach.add(p);
  }

  /**
   * Of these partitions, in order, those a lease call asks. Never one not indexed (connect indexed one at least). Of
   * the others, those that hold queued jobs (or could not say: leasing then finds out), read all at once: a worker
   * freed while the queue is empty costs one read per partition, not one lease script after another. Those out of
   * reach are left out, unless every one is (leasing then fails as unavailable), and so are those this read finds out
   * of reach: asked to lease, each would cost another command timeout.
   */
  async toLeaseFrom(turns: number[]): Promise<number[]> {
    const indexed = turns.filter((p) => this.indexed[p]);
    if (indexed.length === 1) return indexed;
    const inReach = indexed.filter((p) => !this.outOfReach.has(p));
    const asked = inReach.length > 0 ? inReach : indexed;
    for (const p of indexed) if (!asked.includes(p)) this.probe(p);
    const sizes = await Promise.allSettled(asked.map((p) => this.partitions[p]!.queuedCount()));
    asked.forEach((p, i) => {
      const size = sizes[i]!;
      if (size.status === 'rejected') this.failed(p, size.reason);
      else this.outOfReach.delete(p);
    });
    const reached = asked.filter((p) => !this.outOfReach.has(p));
    return (reached.length > 0 ? reached : asked).filter((p) => {
      const size = sizes[asked.indexOf(p)]!;
      return size.status === 'rejected' || size.value > 0;
    });
  }

  /** Asks, without holding the caller up, whether a partition out of reach answers again; one read at a time. */
  private probe(p: number): void {
    if (this.probing.has(p)) return;
    this.probing.add(p);
    void this.partitions[p]!.queuedCount()
      .then(
        () => this.outOfReach.delete(p),
        // Only unavailable keeps it out: any other reply is its node answering.
        (error: unknown) => error instanceof StoreUnavailableError || this.outOfReach.delete(p),
      )
      .finally(() => this.probing.delete(p));
  }
}
