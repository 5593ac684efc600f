// A worker in Node that speaks the real protocol but does no inference: for
// measuring the master's own dispatch capacity and for protocol tests.
import WebSocket from 'ws';
import {
  decodeJobFrame,
  parseMasterMessage,
  PROTOCOL_VERSION,
  WORKER_SOCKET_PATH,
  type HelloMessage,
  type JobHeader,
  type KnownBackend,
  type MasterMessage,
  type Precision,
  type WelcomeMessage,
  type WorkerMessage,
} from '../master/protocol.ts';

/** The backend an answer names, and the floats it says it kept tensors in (unsaid: the master goes by the backend). */
export interface ComputedOn {
  backend: KnownBackend;
  precision?: Precision;
}

export interface SyntheticJob {
  header: JobHeader;
  image: Uint8Array;
  receivedAt: number;
}

export interface SyntheticWorkerOptions {
  masterUrl: string;
  name?: string;
  credit?: number;
  /** Extra hello fields, e.g. an identity to return as, a fleet token, donor limits. */
  hello?: Partial<HelloMessage>;
  /** The loopback address to connect from, so per-address caps on other clients do not reach this one. */
  localAddress?: string;
  /** Headers of the socket's opening request, e.g. the X-Forwarded-For a reverse proxy adds. */
  headers?: Record<string, string>;
  /** Called for every job; answer with worker.succeed / worker.fail, or not at all. */
  onJob?: (job: SyntheticJob, worker: SyntheticWorker) => void;
  /** The served model's hash, when the caller already has it: the worker then skips GET /api/model (thousands of workers, one master). */
  modelHash?: string;
  /** Keep every job and message in `jobs` / `messages` (default); off, a worker that runs for long holds no history. */
  record?: boolean;
  /**
   * Hold each job the inference time its answer claims before sending it, as a page that computed that long would:
   * the master credits no more than it saw a lease held. Off (default), answers go at once.
   */
  holdClaimedTime?: boolean;
}

export class SyntheticWorker {
  readonly jobs: SyntheticJob[] = [];
  readonly messages: MasterMessage[] = [];
  private socket!: WebSocket;
  /** What the master welcomed this worker with: its identity and class. */
  welcome!: WelcomeMessage;

  private constructor(private readonly options: SyntheticWorkerOptions) {}

  static async connect(options: SyntheticWorkerOptions): Promise<SyntheticWorker> {
    const worker = new SyntheticWorker(options);
    await worker.open();
    return worker;
  }

  /** Answers a job with a fixed top-1 prediction, as the cpu backend: a result must name a backend the master knows. */
  succeed(header: JobHeader, index = 0, inferenceMs = 0): void {
    this.answer(header, [{ index, probability: 1 }], inferenceMs);
  }

  /** Answers a job with these classes and probabilities, most probable first, as computed on `computedOn`'s backend (and in its precision, if said). */
  answer(header: JobHeader, predictions: { index: number; probability: number }[], inferenceMs = 0, computedOn: ComputedOn = { backend: 'cpu' }): void {
    const result: WorkerMessage = {
      type: 'result',
      jobId: header.jobId,
      leaseId: header.leaseId,
      predictions: predictions.map(({ index, probability }) => ({ index, label: `class ${index}`, probability })),
      inferenceMs,
      ...computedOn,
      model: this.modelHash,
    };
    if (this.options.holdClaimedTime) this.sendAt(Date.now() + inferenceMs, result);
    else this.send(result);
  }

  /** Sends once the clock reads `due` (a timer may fire a little early): the master, on the same clock, then saw the job held that long. */
  private sendAt(due: number, message: WorkerMessage): void {
    const left = due - Date.now();
    if (left <= 0) this.send(message);
    else setTimeout(() => this.sendAt(due, message), left);
  }

  fail(header: JobHeader, reason: string, retryable = true): void {
    this.send({ type: 'failure', jobId: header.jobId, leaseId: header.leaseId, reason, retryable });
  }

  send(message: WorkerMessage | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves at the next master message of this type. */
  next<T extends MasterMessage['type']>(type: T): Promise<Extract<MasterMessage, { type: T }>> {
    return new Promise((resolve) => {
      const listener = (data: WebSocket.RawData, isBinary: boolean) => {
        if (isBinary) return;
        const parsed = parseMasterMessage(data.toString());
        if (parsed.ok && parsed.message.type === type) {
          this.socket.off('message', listener);
          resolve(parsed.message as Extract<MasterMessage, { type: T }>);
        }
      };
      this.socket.on('message', listener);
    });
  }

  /** Stops answering pongs without closing: the master sees a half-open socket. */
  goSilent(): void {
    // ws answers pings automatically from the receiver; pausing the socket stops reading them.
    this.socket.pause();
  }

  /** Sends a pong nobody asked for (a worker that no longer reads, faking signs of life). */
  pong(): void {
    this.socket.pong();
  }

  get closed(): Promise<number> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) resolve(1006);
      else this.socket.once('close', (code) => resolve(code));
    });
  }

  close(): void {
    this.socket.close();
  }

  terminate(): void {
    this.socket.terminate();
  }

  private modelHash = '';

  private async open(): Promise<void> {
    const { masterUrl, name = 'synthetic', credit = 8 } = this.options;
    this.modelHash = this.options.modelHash ?? ((await fetch(`${masterUrl}/api/model`).then((r) => r.json())) as { hash: string }).hash;
    this.socket = new WebSocket(`${masterUrl.replace(/^http/, 'ws')}${WORKER_SOCKET_PATH}`, {
      localAddress: this.options.localAddress,
      headers: this.options.headers,
    });
    this.socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    await new Promise<void>((resolve, reject) => {
      this.socket.once('open', resolve);
      this.socket.once('error', reject);
    });
    const refused = new Promise<never>((_, reject) => this.socket.once('close', (code, reason) => reject(new WorkerRefusedError(code, reason.toString()))));
    const welcome = this.next('welcome');
    this.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      name,
      kind: 'headless',
      backend: 'cpu', // the one its answers name by default
      model: this.modelHash,
      credit,
      ...this.options.hello,
    });
    this.welcome = await Promise.race([welcome, refused]);
    refused.catch(() => {}); // a later close is the caller's to watch (see closed)
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (!isBinary) {
      const parsed = parseMasterMessage(data.toString());
      if (parsed.ok && this.options.record !== false) this.messages.push(parsed.message);
      return;
    }
    const decoded = decodeJobFrame(new Uint8Array(data as Buffer));
    if (!decoded.ok) throw new Error(`master sent a bad job frame: ${decoded.error}`);
    const job = { ...decoded.message, receivedAt: performance.now() };
    if (this.options.record !== false) this.jobs.push(job);
    this.options.onJob?.(job, this);
  }
}

/** The master closed the socket instead of welcoming the worker. */
export class WorkerRefusedError extends Error {
  override name = 'WorkerRefusedError';

  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`master refused the worker: ${code} ${reason}`);
  }
}
