// Job events across masters that share a Redis store: every board sees every
// job, and a job queued on one master wakes the idle workers of the others.
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
import type { LiveEvents } from './live-events.ts';

interface Envelope {
  origin: string;
  events: JobEvent[];
}
/** What a master before batching published: one event a message (a rolling upgrade has both). */
interface SingleEventEnvelope {
  origin: string;
  event: JobEvent;
}

export class RedisEventRelay {
  private readonly origin = randomUUID();
  private readonly publisher: Redis | Cluster;
  private readonly subscriber: Redis | Cluster;
  private readonly unsubscribe: () => void;
  /** The channel named, and the database unless it is 0: Redis pub/sub ignores database numbers. */
  private readonly channel: string;
  private publishFailing = false;
  /** This turn's events, not yet published. */
  private pending: JobEvent[] = [];

  constructor(target: RedisTarget, channel: string, events: LiveEvents, onRemote: (event: JobEvent) => void, log: Logger) {
    // On a cluster, a message published on any node reaches subscribers on every node.
    const connect = (enableOfflineQueue: boolean) =>
      'url' in target
        ? new Redis(target.url, { retryStrategy: reconnectDelay, enableOfflineQueue })
        : new Cluster(target.clusterNodes, { clusterRetryStrategy: reconnectDelay, enableOfflineQueue });
    this.publisher = connect(false);
    this.subscriber = connect(true);
    // A Cluster has database 0 only. Other databases of one server would otherwise share their masters' events.
    const db = this.publisher instanceof Redis ? (this.publisher.options.db ?? 0) : 0;
    this.channel = db === 0 ? channel : `${channel}@db${db}`;
    logOutages(this.publisher, 'publisher', log);
    logOutages(this.subscriber, 'subscriber', log);
    void this.subscriber.subscribe(this.channel).catch((error: unknown) => log.warn({ err: error }, 'event relay: subscribe failed'));
    this.subscriber.on('message', (_channel, raw: string) => {
      const envelope = JSON.parse(raw) as Envelope | SingleEventEnvelope;
      if (envelope.origin === this.origin) return;
      for (const event of 'events' in envelope ? envelope.events : [envelope.event]) onRemote(event);
    });
    // Worker lists stay per master: /api/workers shows the workers connected here.
    this.unsubscribe = events.subscribeLocal((event) => {
      if (event.type === 'workers-changed') return;
      if (this.pending.push(event) === 1) setImmediate(() => this.publish(log));
    });
  }

  private publish(log: Logger): void {
    const events = this.pending;
    this.pending = [];
    this.publisher.publish(this.channel, JSON.stringify({ origin: this.origin, events } satisfies Envelope)).then(
      () => {
        this.publishFailing = false;
      },
      (error: unknown) => {
        if (this.publishFailing) return; // one warning per outage, not one per message
        this.publishFailing = true;
        log.warn({ err: error, events: events.length }, 'event relay: cannot tell other masters of job events until Redis is back');
      },
    );
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.publisher.disconnect();
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
