import {
  WORKER_SOCKET_PATH,
  decodeJobFrame,
  parseMasterMessage,
  type HelloMessage,
  type JobHeader,
  type MasterMessage,
  type WorkerMessage,
} from '../../../master/protocol.ts';
import { backoffDelay } from '../lib/backoff.ts';

export interface ConnectionHandlers {
  /** The hello to send on every (re)connect: credit and model may have changed since the last one. */
  hello(): HelloMessage;
  onMessage(message: MasterMessage): void;
  /** `session` identifies the socket the job came on; its lease dies with that socket. */
  onJob(header: JobHeader, image: Uint8Array, session: number): void;
  /**
   * The socket closed; `retryInMs` is null when no reconnect follows, and stopReconnecting calls off the one planned (a
   * master's refusal that retrying would only meet again). `closedBy` is the master's close of this socket, null when
   * the page gave up on it (a silent master), so no earlier refusal is taken for this outage's cause.
   */
  onDown(retryInMs: number | null, closedBy: SocketClose | null): void;
}

export interface SocketClose {
  code: number;
  reason: string;
}

const SILENT_INTERVALS_BEFORE_RECONNECT = 3;
/** How long a socket may go unanswered before a welcome has said how often the master speaks. */
export const FIRST_WORD_TIMEOUT_MS = 30_000;
/**
 * How long a welcomed socket must last before the next outage starts again from the shortest delay: a master that
 * welcomes the page and closes at once (crashing on it, or a proxy cutting it) is a failure like any other.
 */
export const HEALTHY_AFTER_MS = 10_000;

/** ws://host/ws/worker for http pages, wss:// for https ones. */
export function workerSocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${WORKER_SOCKET_PATH}`;
}

/**
 * The worker's WebSocket to the master: says hello on each open, validates what arrives,
 * and reconnects with jittered exponential backoff for as long as it is wanted.
 */
export class MasterConnection {
  private socket: WebSocket | null = null;
  private wanted = false;
  private failures = 0;
  /** Date.now() when the current socket was welcomed; null before. */
  private welcomedAt: number | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Increases with every socket, so late work for a dead socket can be recognised. */
  private currentSession = 0;
  /** Fires when the master has been silent too long: its welcome says how often it speaks. */
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private silenceLimitMs: number | null = null;

  constructor(
    private readonly url: string,
    private readonly handlers: ConnectionHandlers,
  ) {}

  get session(): number {
    return this.currentSession;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  open(): void {
    this.wanted = true;
    if (!this.socket && !this.retryTimer) this.connect();
  }

  /** Keep the current socket, but do not replace it when it closes (used while draining). */
  stopReconnecting(): void {
    this.wanted = false;
    this.clearRetry();
  }

  close(): void {
    this.stopReconnecting();
    const socket = this.socket;
    if (!socket) return;
    socket.close(1000, 'worker stopped');
    // Forgotten now, not when its close event comes: a Start right after connects at once, not through a backoff.
    this.lost(socket, null);
  }

  /** The master accepted us: if this socket lasts HEALTHY_AFTER_MS, the next outage starts again from the shortest delay. */
  markHealthy(): void {
    this.welcomedAt ??= Date.now();
  }

  /** Whether send would send now: the socket is open and, when `session` is given, still the one the work came on. */
  canSend(session?: number): boolean {
    return this.isOpen && (session === undefined || session === this.currentSession);
  }

  /** Sends if canSend. */
  send(message: WorkerMessage, session?: number): boolean {
    if (!this.canSend(session)) return false;
    this.socket!.send(JSON.stringify(message));
    return true;
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    const session = ++this.currentSession;
    this.welcomedAt = null;
    // The last master's heartbeat is no measure for this socket, which may reach another: until welcomed, the first-word wait.
    this.silenceLimitMs = null;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => socket.send(JSON.stringify(this.handlers.hello()));
    socket.onmessage = (event: MessageEvent) => {
      this.receive(event.data, session);
      if (this.socket === socket) this.listenForMaster(socket);
    };
    // Every failure, including "master down", ends in close; onerror adds nothing to act on.
    socket.onclose = (event: CloseEvent) => this.lost(socket, { code: event.code, reason: event.reason });
    this.socket = socket;
    // A socket that never opens, or a master that never welcomes us, is as lost as one fallen silent.
    this.listenForMaster(socket);
  }

  /** The socket is gone (closed, or silent too long): forget it and reconnect if still wanted. */
  private lost(socket: WebSocket, closedBy: SocketClose | null): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.clearSilenceTimer();
    if (this.welcomedAt !== null && Date.now() - this.welcomedAt >= HEALTHY_AFTER_MS) this.failures = 0;
    this.welcomedAt = null;
    this.handlers.onDown(this.wanted ? this.scheduleReconnect() : null, closedBy);
  }

  /**
   * (Re)starts the wait for the master's next word. A master that has said nothing for three heartbeat
   * intervals has most likely cut us already (the browser would only notice after minutes of TCP timeouts).
   */
  private listenForMaster(socket: WebSocket): void {
    this.clearSilenceTimer();
    const limitMs = this.silenceLimitMs ?? FIRST_WORD_TIMEOUT_MS;
    this.silenceTimer = setTimeout(() => {
      console.warn(`no word from the master for ${limitMs} ms: reconnecting`);
      socket.close();
      this.lost(socket, null);
    }, limitMs);
  }

  private clearSilenceTimer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
  }

  private scheduleReconnect(): number {
    const wait = backoffDelay(this.failures++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted) this.connect();
    }, wait);
    return wait;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private receive(data: unknown, session: number): void {
    if (typeof data === 'string') {
      const parsed = parseMasterMessage(data);
      if (!parsed.ok) console.warn('ignoring malformed message from the master:', parsed.error);
      else if (parsed.message.type === 'heartbeat' && !parsed.message.identity) return;
      else {
        if (parsed.message.type === 'welcome') this.silenceLimitMs = SILENT_INTERVALS_BEFORE_RECONNECT * parsed.message.heartbeatMs;
        this.handlers.onMessage(parsed.message);
      }
    } else if (data instanceof ArrayBuffer) {
      const parsed = decodeJobFrame(new Uint8Array(data));
      if (parsed.ok) this.handlers.onJob(parsed.message.header, parsed.message.image, session);
      else console.warn('ignoring malformed job frame:', parsed.error);
    } else {
      console.warn('ignoring a frame of unexpected type');
    }
  }
}
