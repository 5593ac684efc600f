// Job events across masters that share a Redis store: every board sees every
// job, and a job queued on one master wakes the idle workers of the others.
// Blacklistings too: the identity's sockets on the others close at once.
// Pub/sub may drop messages while Redis is away; the dispatcher's periodic
// pump covers that, so nothing waits forever on a lost message. The events of one
// turn of the event loop go out as one message: one PUBLISH, and one parse on
// every other master, per turn rather than per event (a completion alone is a
// job event and a lease's).
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { JobEvent } from '../lifecycle/job-events.ts';
import type { Logger } from '../log.ts';
import { reconnectDelay, type RedisTarget } from '../store/redis/redis-connection.ts';
import type { BlacklistNotice, LiveEvents } from './live-events.ts';
import { readEnvelope, type Envelope } from './relay-envelope.ts';

/** At most one warning this often about unreadable messages: a flood of them must not flood the log too. */
const DROP_WARNING_INTERVAL_MS = 60_000;

/** What this master does with what another one tells. */
export interface FromOtherMasters {
  event(event: JobEvent): void;
  blacklisting(notice: BlacklistNotice): void;
}

export class RedisEventRelay {
  private readonly origin = randomUUID();
  private readonly publisher: Redis | Cluster;
  private readonly subscriber: Redis | Cluster;
  private readonly unsubscribe: (() => void)[];
  /** The channel named, and the database unless it is 0: Redis pub/sub ignores database numbers. */
  private readonly channel: string;
  private publishFailing = false;
  /** This turn's events and blacklistings, not yet published. */
  private pending: { events: JobEvent[]; blacklistings: BlacklistNotice[] } = { events: [], blacklistings: [] };
  /** The publish at the end of this turn, once something is pending. */
  private scheduled: NodeJS.Immediate | null = null;
  /** Unreadable messages dropped since the last warning about them. */
  private dropped = 0;
  private lastDropWarningAt = -Infinity;

  constructor(
    target: RedisTarget,
    channel: string,
    events: LiveEvents,
    fromOthers: FromOtherMasters,
    private readonly log: Logger,
    commandTimeoutMs: number,
  ) {
    // On a cluster, a message published on any node reaches subscribers on every node.
    const connect = (enableOfflineQueue: boolean, commandTimeout?: number) =>
      'url' in target
        ? new Redis(target.url, { retryStrategy: reconnectDelay, enableOfflineQueue, commandTimeout })
        : // No ready check: it asks a random node, and with that node down the client reconnects until it draws another
          // (redis-connection.ts), while messages published meanwhile are missed.
          new Cluster(target.clusterNodes, {
            clusterRetryStrategy: reconnectDelay,
            enableOfflineQueue,
            enableReadyCheck: false,
            redisOptions: { commandTimeout },
          });
    // A publish to a Redis that is up but does not answer fails after REDIS_COMMAND_TIMEOUT_MS, as store calls do,
    // rather than holding its envelope for as long as the hang lasts: one a turn would pile up.
    this.publisher = connect(false, commandTimeoutMs);
    this.subscriber = connect(true);
    // A Cluster has database 0 only. Other databases of one server would otherwise share their masters' events.
    const db = this.publisher instanceof Redis ? (this.publisher.options.db ?? 0) : 0;
    this.channel = db === 0 ? channel : `${channel}@db${db}`;
    logOutages(this.publisher, 'publisher', log);
    logOutages(this.subscriber, 'subscriber', log);
    void this.subscriber.subscribe(this.channel).catch((error: unknown) => log.warn({ err: error }, 'event relay: subscribe failed'));
    this.subscriber.on('message', (_channel, raw: string) => {
      const read = readEnvelope(raw);
      if ('problem' in read) return this.drop(read.problem);
      const { origin, events, blacklistings = [] } = read.envelope;
      if (origin === this.origin) return;
      if (read.unread > 0) this.drop(`${read.unread} of its events or blacklistings unreadable`);
      // Blacklistings first: a job queued in the same message would wake the dispatcher, which could deal it to a
      // socket of the identity still open here.
      for (const notice of blacklistings) fromOthers.blacklisting(notice);
      for (const event of events) fromOthers.event(event);
    });
    this.unsubscribe = [
      // Worker lists stay per master: /api/workers shows the workers connected here.
      events.subscribeLocal((event) => {
        if (event.type === 'workers-changed') return;
        this.pending.events.push(event);
        this.scheduled ??= setImmediate(() => this.publish());
      }),
      events.subscribeBlacklistings((notice) => {
        this.pending.blacklistings.push(notice);
        this.scheduled ??= setImmediate(() => this.publish());
      }),
    ];
  }

  private publish(): void {
    const { events, blacklistings } = this.pending;
    this.pending = { events: [], blacklistings: [] };
    this.scheduled = null;
    const envelope: Envelope = blacklistings.length ? { origin: this.origin, events, blacklistings } : { origin: this.origin, events };
    this.publisher.publish(this.channel, JSON.stringify(envelope)).then(
      () => {
        this.publishFailing = false;
      },
      (error: unknown) => {
        if (this.publishFailing) return; // one warning per outage, not one per message
        this.publishFailing = true;
        this.log.warn(
          { err: error, events: events.length, blacklistings: blacklistings.length },
          'event relay: cannot tell other masters of job events and blacklistings until Redis is back',
        );
      },
    );
  }

  /**
   * A message, or part of one, thrown away, not acted on: one bad PUBLISH must not stop a master, nor every master
   * sharing the channel.
   */
  private drop(problem: string): void {
    this.dropped += 1;
    const now = Date.now();
    if (now - this.lastDropWarningAt < DROP_WARNING_INTERVAL_MS) return;
    this.log.warn({ problem, dropped: this.dropped }, 'event relay: dropped what it could not read from the events channel');
    this.lastDropWarningAt = now;
    this.dropped = 0;
  }

  /** What this turn still holds is published first: a blacklisting at shutdown would otherwise reach no other master. */
  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.publish();
    }
    // QUIT goes after the publish and is answered once it is done. Without a connection there is nothing to wait for.
    if (this.publisher.status === 'ready') await this.publisher.quit().catch(() => this.publisher.disconnect());
    else this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}

/** ioredis reports every failed reconnect as an 'error': one warning when a connection is lost, one line when it is back. */
function logOutages(client: Redis | Cluster, role: string, log: Logger): void {
  let down = false;
  client.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    log.warn({ err: error }, `event relay: the ${role} lost Redis; reconnecting`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log.info(`event relay: the ${role} is connected again`);
  });
}
