// The trust bench's workers: synthetic workers (real WebSocket protocol, no inference) that take
// `answerMs` per image, one image at a time as a page does, and answer what their behaviour says
// (worker-behaviours.ts) for the image they identify (image-fingerprint.ts). A saboteur blacklisted
// (closed with identityRevoked) comes straight back under a new identity, as identities are free;
// each identity it burns is recorded, with how long and how many answers it lasted.
import { CloseCode } from '../master/protocol.ts';
import type { ImageIndex } from './image-fingerprint.ts';
import type { ModelAnswer } from './model-answers.ts';
import { SyntheticWorker, type ComputedOn, type SyntheticJob } from './synthetic-worker.ts';
import { answerFor, predictionsFor, type Behaviour, type HonestDisagreement } from './worker-behaviours.ts';

export interface IdentityRecord {
  workerId: string;
  /** Answers given under it (real jobs and spot checks alike: a worker cannot tell them apart). */
  answers: number;
  lies: number;
  connectedAt: number;
  /** When the master closed it as blacklisted (performance.now()); absent if it never was. */
  caughtAt?: number;
}

/** One answer a bench worker sent, and the image it took the job's for. */
export interface GivenAnswer {
  image: number;
  answer: number;
  lie: boolean;
  flipped: boolean;
}

/**
 * Every answer sent, by job id: real jobs and spot checks alike (which is which is known only to the master,
 * and to the bench once it has the ids of the jobs it submitted).
 */
export type AnswerLog = Map<string, GivenAnswer[]>;

export interface BenchWorkerOptions {
  masterUrl: string;
  name: string;
  behaviour: Behaviour;
  credit: number;
  answerMs: number;
  /** Present: the worker is the operator's fleet (trusted). */
  fleetToken?: string;
  /** The loopback address it connects from: its network, which its every identity shares (the master counts a voter a network). */
  localAddress: string;
  table: ModelAnswer[];
  index: ImageIndex;
  /** What its answers say they were computed on: fp16 ones may slip on low-margin images (`disagreement`), fp32 ones do not. */
  computedOn: ComputedOn;
  disagreement: HonestDisagreement;
  collusionSeed: number;
  log: AnswerLog;
  random?: () => number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class BenchWorker {
  readonly identities: IdentityRecord[] = [];
  private worker: SyntheticWorker | null = null;
  /** Images are worked on one at a time: each job waits for the one before. */
  private busy: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Closes other than a blacklisting (there should be none). */
  unexpectedCloses: number[] = [];

  private constructor(private readonly options: BenchWorkerOptions) {}

  static async start(options: BenchWorkerOptions): Promise<BenchWorker> {
    const worker = new BenchWorker(options);
    await worker.connect();
    return worker;
  }

  get behaviour(): Behaviour {
    return this.options.behaviour;
  }

  stop(): void {
    this.stopped = true;
    this.worker?.terminate();
  }

  /** A fresh identity each time: the master issues one to a hello without any. */
  private async connect(): Promise<void> {
    const { masterUrl, name, credit, fleetToken, localAddress } = this.options;
    const record: IdentityRecord = { workerId: '', answers: 0, lies: 0, connectedAt: performance.now() };
    const worker = await SyntheticWorker.connect({
      masterUrl,
      name: `${name}-${this.identities.length}`,
      credit,
      localAddress,
      hello: fleetToken ? { fleetToken } : {},
      onJob: (job, self) => {
        this.busy = this.busy.then(() => this.work(job, self, record));
      },
    });
    record.workerId = worker.welcome.identity.workerId;
    this.identities.push(record);
    this.worker = worker;
    void worker.closed.then((code) => {
      if (this.stopped) return;
      if (code !== CloseCode.identityRevoked) return void this.unexpectedCloses.push(code);
      record.caughtAt = performance.now();
      void this.connect();
    });
  }

  private async work(job: SyntheticJob, self: SyntheticWorker, record: IdentityRecord): Promise<void> {
    const { table, index, behaviour, computedOn, disagreement, collusionSeed, log, answerMs, random = Math.random } = this.options;
    const { index: image } = await index.identify(job.image);
    const row = table[image]!;
    const given = answerFor(behaviour, row, { image, answered: record.answers, seed: collusionSeed }, disagreement, random);
    await sleep(answerMs);
    if (this.stopped || self !== this.worker || record.caughtAt !== undefined) return;
    record.answers += 1;
    if (given.lie) record.lies += 1;
    const answers = log.get(job.header.jobId) ?? [];
    answers.push({ image, ...given });
    log.set(job.header.jobId, answers);
    self.answer(job.header, predictionsFor(given, row), answerMs, computedOn);
  }
}
