// The jobs a page holds, in arrival order, the next ones decoding ahead of their turn so that they decode
// (off the page's thread, off-thread-decoder.ts) while the current one is predicted.
import type { JobHeader } from '../../../master/protocol.ts';
import type { DecodeImage } from './off-thread-decoder.ts';

export interface QueuedJob {
  header: JobHeader;
  image: Uint8Array;
  /** The connection it came on: an answer goes back on that one or not at all. */
  session: number;
  /** performance.now() when its frame arrived. */
  receivedAt: number;
  /** Its decode, once started ahead of its turn (see decodeAhead). */
  decoding?: Promise<ImageBitmap>;
  /** The master took its lease back while it was being processed: it must go unanswered and uncounted. */
  cancelled?: boolean;
}

/**
 * Jobs decoded ahead of their turn. Two: the next one is ready when the current prediction ends, and the one after
 * has a whole prediction to decode in. No more, as an original upload's bitmap can be tens of MB.
 */
const DECODE_AHEAD = 2;

export class JobQueue {
  private jobs: QueuedJob[] = [];
  /** The job last handed out: being processed, so a cancel can no longer remove it, only mark it. */
  private taken: QueuedJob | undefined;

  constructor(private readonly decode: DecodeImage) {}

  get length(): number {
    return this.jobs.length;
  }

  push(job: QueuedJob): void {
    this.jobs.push(job);
  }

  /** The next job in arrival order, if any. */
  shift(): QueuedJob | undefined {
    this.taken = this.jobs.shift();
    return this.taken;
  }

  /** Drops the job with this lease, if it is here, or marks it cancelled if it is being processed (the master took it back). */
  cancel(jobId: string, leaseId: string): void {
    if (this.taken?.header.jobId === jobId && this.taken.header.leaseId === leaseId) this.taken.cancelled = true;
    const cancelled = this.jobs.filter((job) => job.header.jobId === jobId && job.header.leaseId === leaseId);
    discard(cancelled);
    this.jobs = this.jobs.filter((job) => !cancelled.includes(job));
  }

  /** Drops every job (the socket is gone, and with it every lease). */
  clear(): void {
    discard(this.jobs);
    this.jobs = [];
  }

  /** Starts decoding the next jobs that are not decoding yet. */
  decodeAhead(): void {
    for (const next of this.jobs.slice(0, DECODE_AHEAD)) {
      if (next.decoding) continue;
      next.decoding = this.decoded(next);
      // A failure is reported when the job's turn comes; until then it must not count as unhandled.
      next.decoding.catch(() => {});
    }
  }

  /** The job's image, decoded: the one started ahead, or a decode started now. */
  decoded(job: QueuedJob): Promise<ImageBitmap> {
    return job.decoding ?? this.decode(job.image, job.header.contentType);
  }
}

/** Jobs leaving the queue unprocessed: a decode already started has its bitmap freed when it lands. */
function discard(jobs: QueuedJob[]): void {
  for (const job of jobs)
    job.decoding?.then(
      (bitmap) => bitmap.close(),
      () => {},
    );
}
