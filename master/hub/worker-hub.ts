// The WebSocket endpoint for workers: handshake, message validation and
// heartbeats. A socket that closes, or misses two pings in a row (half-open),
// ends its session, and the lifecycle requeues what it held.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { WorkerIdentities } from '../identity/worker-identities.ts';
import { clientOf } from '../http/client-address.ts';
import type { IgnoreUpgrade } from '../http/ignored-upgrade.ts';
import { rawRefusal, refuseOnSocket } from '../http/raw-refusal.ts';
import type { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import type { Logger } from '../log.ts';
import { CloseCode, ErrorCode, listedKind, MAX_CREDIT, parseWorkerMessage, type ErrorMessage, type HelloMessage, type WorkerMessage } from '../protocol.ts';
import type { VolunteerCredit } from '../volunteers/volunteer-credit.ts';
import { answerBadHandshakes } from './bad-handshakes.ts';
import { boundedSend, type SendFrame } from './bounded-send.ts';
import { hangUp } from './hang-up.ts';
import { byteLength, SocketRate } from './message-rate.ts';
import { resultProblem } from './result-checks.ts';
import { TokenRenewal } from './token-renewal.ts';
import { RefusalLimiter } from './refusal-limiter.ts';
import { WorkerSession } from './worker-session.ts';
import { takeWorkerUpgrades, type UpgradeRules } from './worker-upgrades.ts';

/** Part of what HEARTBEAT_MS means: a worker that misses two pings in a row is cut off. */
const MISSED_PONGS_BEFORE_DEAD = 2;

interface Connection {
  socket: WebSocket;
  /** The client's address as every per-address rule counts it (client-address.ts: its socket's, or a trusted proxy's forwarded one). */
  address: string;
  session: WorkerSession | null;
  /** The hello's identity check while it runs: what the worker sends meanwhile waits for it. */
  admitting: Promise<void> | null;
  missedPongs: number;
  /** What the latest two pings carried: only a pong that echoes one shows the worker read the ping. */
  pings: Buffer[];
  badMessages: number;
  rate: SocketRate;
  /**
   * Its messages still waiting (answers on the store and the judging they lead to, anything on the hello's identity
   * check): a slow store must not let them pile up.
   */
  inFlight: number;
  /** Sends a frame to the worker within MAX_WORKER_SEND_BUFFER_BYTES. */
  send: SendFrame;
  /**
   * Set by close() just before it hangs up on this socket, still open: what the worker held goes back as the master's
   * doing (recovered). A worker that leaves by itself while the master drains, before that, or one already being hung
   * up on for its own doing, leaves as at any other time (lost).
   */
  hungUpByMaster: boolean;
}

export interface HubOptions extends UpgradeRules {
  heartbeatMs: number;
  leaseMs: number;
  modelHash: () => string;
  /** Issues and checks worker identities and classes. */
  identities: WorkerIdentities;
  /** Keeps the names volunteers choose for the leaderboard. */
  credit?: VolunteerCredit;
  /** Refused answers before a worker is disconnected (MAX_REFUSED_MESSAGES), and how often they are logged. */
  maxRefusedMessages: number;
  refusedLogIntervalMs: number;
  /** Malformed messages before a worker is disconnected (MAX_MALFORMED_MESSAGES). */
  maxMalformedMessages: number;
  /** The largest message a worker may send (MAX_WORKER_MESSAGE_BYTES); a bigger one closes the socket with 1009. */
  maxMessageBytes: number;
  /** A socket must say hello within this (HELLO_TIMEOUT_MS). */
  helloTimeoutMs: number;
  /** Messages a second a worker may send, a second's worth at once (MAX_WORKER_MESSAGES_PER_SECOND). */
  maxMessagesPerSecond: number;
  /** Bytes a second a worker may send, a second's worth at once (MAX_WORKER_BYTES_PER_SECOND). */
  maxBytesPerSecond: number;
  /** Its answers waiting on the stores at once, their judging included, before a worker is hung up on (MAX_WORKER_MESSAGES_IN_FLIGHT). */
  maxMessagesInFlight: number;
  /** Bytes sent to a worker and not yet taken, beyond the job frames it holds, before it is hung up on (MAX_WORKER_SEND_BUFFER_BYTES). */
  maxSendBufferBytes: number;
}

/** What a hub refused of worker sockets since it started: malformed messages, and sockets cut off by why (/metrics). */
export const newHubCounters = () => ({
  badMessages: 0,
  heartbeatTimeouts: 0,
  tooFast: 0,
  tooManyInFlight: 0,
  notReading: 0,
  tooManyMalformed: 0,
  tooManyRefused: 0,
  blacklisted: 0,
});
export type HubCounters = ReturnType<typeof newHubCounters>;

export class WorkerHub {
  readonly counters = newHubCounters();
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  /** Requeues of departed workers still being written, awaited on close. */
  private readonly departures = new Set<Promise<void>>();
  /** Worker messages still being handled (answers on the stores, hellos on the identity check), awaited on close. */
  private readonly handling = new Set<Promise<void>>();
  /**
   * Once closing, nothing more a worker sends is handled, and no worker socket is taken. It says nothing of who ended a
   * socket: a worker may still leave by itself while the master drains (Connection.hungUpByMaster says who).
   */
  private closing = false;
  /** Cleared as the master begins to close (stopDealing), before it waits on anything: no worker is dealt a job after. */
  private dealing = true;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly tokens: TokenRenewal;

  constructor(
    private readonly lifecycle: JobLifecycle,
    private readonly log: Logger,
    private readonly options: HubOptions,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
    answerBadHandshakes(this.wss);
    this.tokens = new TokenRenewal(options.identities, log);
  }

  /** Takes the worker sockets' upgrades; every other protocol's offer is ignored and the request served as plain HTTP. */
  attach(server: Server, ignoreUpgrade: IgnoreUpgrade): void {
    takeWorkerUpgrades(server, ignoreUpgrade, this.options, this.log, (request, socket, head) => {
      // One that passed its checks after close() began would be a socket nothing closes, holding the close up.
      if (this.closing)
        return refuseOnSocket(socket, rawRefusal(503, 'master-stopping', 'the master is stopping; connect again shortly', { 'Retry-After': '5' }));
      this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, clientOf(request, this.options.proxyTrust)));
    });
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
  }

  /**
   * No worker is dealt a job from now on (messageRoom), while what they send is still handled: a master beginning to
   * close calls it first, as what it waits on before closing the hub (an upload being written, the relay's last
   * message) may wake a dispatch that would deal jobs to sockets about to close, each lost, an attempt spent.
   */
  stopDealing(): void {
    this.dealing = false;
  }

  /**
   * Closes every worker socket; their leases go back to the queue. Answers already being handled end first, their
   * stores still open: one cut short would be lost (its lease lost with the socket) or fail on a store closed under it.
   * Meanwhile no worker is dealt a job (messageRoom).
   */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.closing = true;
    this.stopDealing();
    if (this.handling.size > 0) this.log.info({ pending: this.handling.size }, 'waiting for the worker messages being handled');
    while (this.handling.size > 0) await Promise.all(this.handling);
    const closing = [...this.connections].map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.socket.once('close', () => resolve());
          // Only a socket still open is this hang-up's: one already closing was ended by the worker, or hung up on
          // for its own doing (hangUp), and leaves as such.
          if (connection.socket.readyState === connection.socket.OPEN) connection.hungUpByMaster = true;
          connection.socket.close(1001, 'master shutting down');
          setTimeout(() => {
            connection.socket.terminate();
            resolve();
          }, 1000).unref();
        }),
    );
    await Promise.all(closing);
    await Promise.all(this.departures);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket, address: string): void {
    const connection: Connection = {
      socket,
      address,
      session: null,
      admitting: null,
      missedPongs: 0,
      pings: [],
      badMessages: 0,
      rate: new SocketRate(this.options.maxMessagesPerSecond, this.options.maxBytesPerSecond, performance.now()),
      inFlight: 0,
      hungUpByMaster: false,
      send: boundedSend(
        socket,
        this.options.maxSendBufferBytes,
        () => connection.session?.owedBytes ?? 0,
        () => {
          this.counters.notReading += 1;
          this.log.warn({ worker: connection.session?.hello.name, unreadBytes: socket.bufferedAmount }, 'worker does not read what it is sent: hanging up');
        },
      ),
    };
    this.connections.add(connection);
    const helloTimer = setTimeout(() => {
      if (!connection.session) hangUp(socket, CloseCode.noHello, `no hello within ${this.options.helloTimeoutMs} ms`);
    }, this.options.helloTimeoutMs);
    // Only a pong proves the worker reads what it is sent: one that talks but never reads would have every job pushed
    // to it pile up in the master's socket buffer (its pongs come after them, in order, as a reading worker's do).
    // It must echo a ping's random payload, as every WebSocket does by itself: pongs nobody asked for prove nothing.
    socket.on('pong', (data) => {
      if (connection.pings.some((ping) => ping.equals(data))) connection.missedPongs = 0;
    });
    socket.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    socket.on('error', (error) => this.log.warn({ err: error, worker: connection.session?.hello.name }, 'worker socket error'));
    socket.on('close', (code) => {
      clearTimeout(helloTimer);
      this.connections.delete(connection);
      if (connection.session) {
        this.log.info({ worker: connection.session.hello.name, code }, 'worker disconnected');
        // If the store is unreachable the leases stay put and expire; any master's reaper requeues them.
        // Hung up on by close(), as this master shuts down: what it held goes back as the master's doing, not the
        // worker's. One that left by itself, even while the master drains, leaves as at any other time.
        const departure = this.lifecycle
          .left(connection.session, code === 1006 ? 'vanished' : `disconnected (${code})`, connection.hungUpByMaster)
          .catch((error: unknown) => this.log.warn({ err: error }, 'could not requeue a departed worker’s jobs yet'));
        this.departures.add(departure);
        void departure.finally(() => this.departures.delete(departure));
      }
    });
  }

  private receive(connection: Connection, data: RawData, isBinary: boolean): void {
    // Once the master has hung up, or is closing, nothing more the worker says counts, or costs a store call.
    if (this.closing || connection.socket.readyState !== connection.socket.OPEN) return;
    const tooMany = connection.rate.take(performance.now(), byteLength(data));
    if (tooMany) {
      this.counters.tooFast += 1;
      this.log.warn({ worker: connection.session?.hello.name }, `worker sent ${tooMany} too fast: hanging up`);
      return hangUp(connection.socket, 1008, `too many ${tooMany}`);
    }
    const parsed = isBinary ? ({ ok: false, error: 'workers send JSON text frames only' } as const) : parseWorkerMessage(data.toString());
    if (!parsed.ok) return this.refuse(connection, ErrorCode.badMessage, parsed.error);
    const { admitting, session } = connection;
    // Only an answer (it waits on the stores until its lease is done with and its judging done) or what waits for the
    // hello's identity check takes a place: a credit, a drain or a name is handled at once, and never trips the bound.
    const mayWait = (admitting !== null && !session) || parsed.message.type === 'result' || parsed.message.type === 'failure';
    if (mayWait && connection.inFlight >= this.options.maxMessagesInFlight) {
      this.counters.tooManyInFlight += 1;
      this.log.warn({ worker: connection.session?.hello.name }, 'worker has too many messages in flight: hanging up');
      return hangUp(connection.socket, 1008, 'too many messages in flight');
    }
    let waiting: void | Promise<void>;
    try {
      // What waited on a hello refused (its socket closed with the refusal's code, or gone meanwhile) is dropped, not malformed.
      const afterHello = () => (connection.session ? this.handle(connection, parsed.message) : undefined);
      waiting = admitting && !session ? admitting.then(afterHello) : this.handle(connection, parsed.message);
    } catch (error) {
      return this.handlingFailed(error);
    }
    // What waits holds its place until done: an answer until the judging it leads to is done too.
    if (!(waiting instanceof Promise)) return;
    connection.inFlight += 1;
    const handled = waiting
      .catch((error: unknown) => this.handlingFailed(error))
      .finally(() => {
        this.handling.delete(handled);
        const { session } = connection;
        const freeBefore = session?.freeCredit ?? 0;
        connection.inFlight -= 1;
        // A worker its messages in flight kept from being dealt more (a slow store) is dealt again as they end.
        if (session && session.freeCredit > freeBefore) this.lifecycle.creditChanged(session);
      });
    this.handling.add(handled);
  }

  /**
   * How many jobs a worker may hold while these many of its messages are in flight: an honest page answers only the
   * jobs it holds, and up to MAX_CREDIT more whose cancel crossed its answer, so dealt within this it never passes the
   * bound, however slow the stores (config.ts keeps the bound at least twice MAX_CREDIT).
   */
  private messageRoom(connection: Connection): number {
    // A closing hub deals nothing: a job dealt to a socket about to close would be lost, an attempt spent.
    if (!this.dealing) return 0;
    return this.options.maxMessagesInFlight - MAX_CREDIT - connection.inFlight;
  }

  private handlingFailed(error: unknown): void {
    this.log.error({ err: error }, 'handling a worker message failed');
  }

  /** Handles a message at once, or answers what it waits on (the store, an identity check). */
  private handle(connection: Connection, message: WorkerMessage): void | Promise<void> {
    const { session } = connection;
    if (message.type === 'hello') {
      if (session || connection.admitting) return this.refuse(connection, ErrorCode.badMessage, 'hello was already received');
      if (message.model !== this.options.modelHash()) {
        this.sendError(connection, ErrorCode.modelMismatch, `this master serves model ${this.options.modelHash()}; reload the model`);
        hangUp(connection.socket, CloseCode.modelMismatch, 'model mismatch');
        return;
      }
      connection.admitting = this.admit(connection, message);
      return connection.admitting;
    }
    if (!session) return this.refuse(connection, ErrorCode.helloFirst, 'the first message must be hello');
    switch (message.type) {
      // A message that changes nothing costs nothing: a stream of them would run dispatch after dispatch, or write after write.
      case 'credit':
        if (!session.setCredit(message.credit, message.limits)) return;
        return this.lifecycle.creditChanged(session);
      case 'profile':
        if (message.displayName === session.displayName) return;
        session.displayName = message.displayName;
        return this.options.credit?.rename(session);
      case 'drain':
        if (session.draining) return;
        session.draining = true;
        this.log.info({ worker: session.hello.name }, 'worker draining');
        return this.lifecycle.creditChanged(session);
      case 'result': {
        const problem = resultProblem(message, this.options.modelHash());
        if (problem) {
          this.sendError(connection, ErrorCode.resultRefused, `answer for job ${message.jobId} refused: ${problem}`);
          return this.lifecycle.refuse(session, message, problem);
        }
        return this.lifecycle.complete(session, message);
      }
      case 'failure':
        return this.lifecycle.fail(session, message);
    }
  }

  /** Checks the hello's identity and class; a refused one ends the socket with its close code and reason. */
  private async admit(connection: Connection, hello: HelloMessage): Promise<void> {
    let admission;
    try {
      admission = await this.options.identities.admit(hello, connection.address);
    } catch (error) {
      this.log.warn({ err: error, worker: hello.name }, 'could not check a worker identity');
      hangUp(connection.socket, CloseCode.tryAgainLater, 'identity store unavailable');
      return;
    }
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    if (!admission.admitted) {
      this.log.warn({ worker: hello.name, code: admission.closeCode, reason: admission.reason }, 'worker refused');
      hangUp(connection.socket, admission.closeCode, admission.reason);
      return;
    }
    const refusals = new RefusalLimiter(this.options.maxRefusedMessages, this.options.refusedLogIntervalMs);
    const created = new WorkerSession(
      randomUUID(),
      { ...hello, kind: listedKind(hello.kind, admission.workerClass) },
      connection.socket,
      connection.send,
      admission,
      refusals,
      (why) => (this.counters[why] += 1),
      () => this.messageRoom(connection),
    );
    connection.session = created;
    const { identity, workerClass } = admission;
    created.send({ type: 'welcome', workerId: created.id, identity, workerClass, leaseMs: this.options.leaseMs, heartbeatMs: this.options.heartbeatMs });
    this.log.info(
      { worker: hello.name, workerId: identity.workerId, workerClass, kind: hello.kind, browser: hello.browser, backend: hello.backend, credit: hello.credit },
      'worker joined',
    );
    this.lifecycle.joined(created);
    if (hello.displayName !== undefined) this.options.credit?.rename(created);
  }

  private refuse(connection: Connection, code: string, message: string): void {
    this.counters.badMessages += 1;
    connection.badMessages += 1;
    this.log.warn({ worker: connection.session?.hello.name, code, problem: message }, 'malformed worker message');
    this.sendError(connection, code, message);
    // Once: messages the worker sent before it was hung up on may still be refused after.
    if (connection.badMessages !== this.options.maxMalformedMessages) return;
    this.counters.tooManyMalformed += 1;
    hangUp(connection.socket, 1008, 'too many malformed messages');
  }

  private sendError(connection: Connection, code: string, message: string): void {
    const frame: ErrorMessage = { type: 'error', code, message: message.slice(0, 1000) };
    connection.send(JSON.stringify(frame));
  }

  /**
   * Ping every socket; one that missed two pongs in a row is half-open: cut it.
   * Workers also get a heartbeat message, the only sign of life a page can see.
   */
  private beat(): void {
    for (const connection of this.connections) {
      if (connection.missedPongs >= MISSED_PONGS_BEFORE_DEAD) {
        this.counters.heartbeatTimeouts += 1;
        this.log.warn({ worker: connection.session?.hello.name }, 'worker missed heartbeats: terminating');
        connection.socket.terminate();
        continue;
      }
      connection.missedPongs += 1;
      const ping = randomBytes(8);
      connection.pings = [ping, ...connection.pings.slice(0, 1)];
      connection.socket.ping(ping);
      connection.session?.send({ type: 'heartbeat' });
      if (connection.session) this.tokens.renewIfDue(connection.session);
    }
  }
}
