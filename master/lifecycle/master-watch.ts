// Masters sharing Redis watch each other. Each says it is alive every quarter
// of MASTER_TIMEOUT_MS; one silent for longer has died (kill -9, a lost
// machine), and the others requeue at once the jobs its workers held, instead
// of waiting out their leases (LEASE_MS, 30 s by default). A master that was
// only paused that long (a stalled process, a network partition) finds its
// leases gone when it wakes: any result it then relays is refused by the
// store's fencing, so a job is still finished once.
//
// A lapsed key is proof of death only if its master could have renewed it:
// while Redis itself is away longer than MASTER_TIMEOUT_MS (a Cluster
// failover), every master's key lapses. So a master judges the others only
// once it has itself been heard without a break for a full MASTER_TIMEOUT_MS
// (after it starts, after Redis or this master was away), and for as long as
// another may wait to reconnect: a living master has had as long to say so again.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.ts';
import type { MasterPresence } from '../store/redis/master-presence.ts';
import { MAX_RECONNECT_DELAY_MS } from '../store/redis/redis-connection.ts';
import type { JobLifecycle } from './job-lifecycle.ts';

export class MasterWatch {
  private readonly timer: NodeJS.Timeout;
  private saying: Promise<void> = Promise.resolve();
  private requeueing: Promise<void> | null = null;
  /** When the reply to the first heartbeat of this master's current unbroken run came; null after one failed. */
  private heardSince: number | null = null;
  /** When the last heartbeat that succeeded was sent. */
  private lastSent = -Infinity;
  /** Silent masters some of whose partitions were out of reach: warned of once, not every beat. */
  private readonly partlyRequeued = new Set<string>();

  constructor(
    private readonly presence: MasterPresence,
    private readonly lifecycle: Pick<JobLifecycle, 'requeueOrphaned'>,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => this.beat(), Math.max(1, Math.floor(timeoutMs / 4)));
    this.beat();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.saying;
    await this.requeueing;
  }

  /**
   * Says this master is alive, then looks for silent masters. Requeueing runs beside the heartbeats, one pass at a
   * time: a long one must not hold up this master's own heartbeat and get it taken for silent in turn.
   */
  private beat(): void {
    this.saying = this.saying.then(async () => {
      if (!(await this.sayAlive()) || this.requeueing || !this.heardLongEnough()) return;
      this.requeueing = this.requeueSilent().finally(() => (this.requeueing = null));
    });
  }

  private async sayAlive(): Promise<boolean> {
    const sent = performance.now();
    try {
      await this.presence.sayAlive(this.timeoutMs);
    } catch (error) {
      // Redis away: the next beat tries again (the availability listener says so once, in server.ts).
      this.log.debug({ err: error }, 'master watch heartbeat failed');
      this.heardSince = null;
      return false;
    }
    const replied = performance.now();
    // The run is unbroken if this key was set before the previous one could lapse (MASTER_TIMEOUT_MS after it was sent).
    if (this.heardSince === null || replied - this.lastSent >= this.timeoutMs) this.heardSince = replied;
    this.lastSent = sent;
    return true;
  }

  private heardLongEnough(): boolean {
    return this.heardSince !== null && performance.now() - this.heardSince >= this.timeoutMs + MAX_RECONNECT_DELAY_MS;
  }

  /** Requeues what any silent master held, and forgets it once every partition was read. */
  private async requeueSilent(): Promise<void> {
    try {
      for (const masterId of await this.presence.silentMasters()) {
        const { leases, unreached } = await this.presence.leasesHeldBy(masterId);
        const requeued = await this.lifecycle.requeueOrphaned(leases, `master ${masterId} stopped answering`);
        // A partition out of reach may hold more of its leases: it stays known, and is looked for again next beat.
        if (unreached > 0) {
          const level = this.partlyRequeued.has(masterId) ? 'debug' : 'warn';
          this.partlyRequeued.add(masterId);
          this.log[level]({ masterId, requeued, unreached }, 'a master sharing the store went silent: requeued what partitions in reach hold of its jobs');
          continue;
        }
        this.partlyRequeued.delete(masterId);
        await this.presence.forgetMaster(masterId);
        this.log.warn({ masterId, requeued }, 'a master sharing the store went silent: requeued the jobs its workers held');
      }
    } catch (error) {
      // Redis away: the next beat looks again.
      this.log.debug({ err: error }, 'master watch could not look for silent masters: Redis unreachable');
    }
  }
}
