// Masters sharing Redis watch each other. Each says it is alive every quarter
// of MASTER_TIMEOUT_MS; one silent for longer has died (kill -9, a lost
// machine), and the others requeue at once the jobs its workers held, instead
// of waiting out their leases (LEASE_MS, 30 s by default). A master that was
// only paused that long (a stalled process, a network partition) finds its
// leases gone when it wakes: any result it then relays is refused by the
// store's fencing, so a job is still finished once.
import type { Logger } from '../log.ts';
import type { RedisJobStore } from '../store/redis-job-store.ts';
import type { JobLifecycle } from './job-lifecycle.ts';

export class MasterWatch {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RedisJobStore,
    private readonly lifecycle: Pick<JobLifecycle, 'requeueOrphaned'>,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.beat(), Math.max(1, Math.floor(timeoutMs / 4)));
    void this.beat();
  }

  /** Says this master is alive, then requeues what any silent master held; one beat at a time. */
  beat(): Promise<void> {
    this.running = this.running.then(async () => {
      try {
        await this.store.sayAlive(this.timeoutMs);
        for (const masterId of await this.store.silentMasters()) {
          const requeued = await this.lifecycle.requeueOrphaned(await this.store.leasesHeldBy(masterId), `master ${masterId} stopped answering`);
          await this.store.forgetMaster(masterId);
          this.log.warn({ masterId, requeued }, 'a master sharing the store went silent: requeued the jobs its workers held');
        }
      } catch (error) {
        // Redis away: the next beat tries again (the availability listener says so once, in server.ts).
        this.log.debug({ err: error }, 'master watch beat failed');
      }
    });
    return this.running;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
