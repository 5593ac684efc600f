import type { JobView } from '../../../master/api-types.ts';
import { ApiError, uploadImage } from '../api.ts';
import { errorMessage } from '../lib/errors.ts';
import { randomKey } from '../lib/random-key.ts';
import { isRetryable, precheckFile, tooLargeText, uploadErrorText } from '../lib/upload-errors.ts';
import { ownerClaimed } from './owner-claim.ts';

export type UploadState = 'waiting' | 'uploading' | 'sent' | 'failed';

/** One chosen file on its way to becoming a job. Replaced, never mutated, so views notice changes. */
export interface UploadItem {
  /** Stable identity for views, and the upload's Idempotency-Key. */
  key: string;
  file: File;
  state: UploadState;
  /** Bytes sent so far. */
  loaded: number;
  jobId: string | null;
  error: string | null;
  /** False when sending the same file again cannot help (wrong type, too large). */
  retryable: boolean;
  /** Sent private: only the operator's trusted workers may see it. Chosen when the file was added. */
  trustedOnly: boolean;
  /** Times in a row the master said it was too busy for this file and asked us to wait. */
  busyTries: number;
}

export interface UploadTotals {
  files: number;
  sent: number;
  failed: number;
  /** Bytes sent and bytes to send, over the files not given up on. */
  loaded: number;
  bytes: number;
}

export type SendImage = (item: UploadItem, onProgress: (loaded: number) => void) => Promise<JobView>;

/** Uploads at once; a few in parallel keep the pipe full without starving each file's progress. */
const UPLOAD_CONCURRENCY = 3;
/** A file the master keeps calling too busy for it fails after this many waits. */
const MAX_BUSY_TRIES = 10;
/** The longest one wait may be, whatever Retry-After asked: the person is watching the list. */
const MAX_BUSY_WAIT_MS = 60_000;

/**
 * The files chosen on the submit page and how their uploads go: each file is its own request,
 * so its progress and its error are really its own. Emits "change" on every step and
 * "sent" (a CustomEvent with the new job) when a file has become a job.
 */
export class UploadQueue extends EventTarget {
  items: UploadItem[] = [];
  private running = 0;
  /** Set while the master asked us to wait (429 or 503 with Retry-After): no file is sent meanwhile. */
  private hold: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: SendImage,
    private readonly concurrency = UPLOAD_CONCURRENCY,
  ) {
    super();
  }

  add(files: Iterable<File>, { trustedOnly = false } = {}): void {
    for (const file of files) {
      const problem = precheckFile(file);
      const state = problem ? 'failed' : 'waiting';
      this.items = [...this.items, { key: randomKey(), file, state, loaded: 0, jobId: null, error: problem, retryable: false, trustedOnly, busyTries: 0 }];
    }
    this.changed();
    this.pump();
  }

  retry(key: string): void {
    const item = this.find(key);
    if (item?.state !== 'failed' || !item.retryable) return;
    this.patch(key, { state: 'waiting', loaded: 0, error: null, busyTries: 0 });
    this.pump();
  }

  /** Takes finished and failed files off the list; those still uploading stay. */
  clearFinished(): void {
    this.items = this.items.filter((item) => item.state === 'waiting' || item.state === 'uploading');
    this.changed();
  }

  get totals(): UploadTotals {
    const totals: UploadTotals = { files: this.items.length, sent: 0, failed: 0, loaded: 0, bytes: 0 };
    for (const item of this.items) {
      if (item.state === 'failed') {
        totals.failed++;
        continue;
      }
      if (item.state === 'sent') totals.sent++;
      totals.bytes += item.file.size;
      totals.loaded += item.state === 'sent' ? item.file.size : item.loaded;
    }
    return totals;
  }

  get busy(): boolean {
    return this.items.some((item) => item.state === 'waiting' || item.state === 'uploading');
  }

  private pump(): void {
    while (!this.hold && this.running < this.concurrency) {
      const next = this.items.find((item) => item.state === 'waiting');
      if (!next) return;
      void this.upload(next);
    }
  }

  private async upload(item: UploadItem): Promise<void> {
    this.running++;
    this.patch(item.key, { state: 'uploading', error: null });
    try {
      const job = await this.send(item, (loaded) => this.patch(item.key, { loaded }));
      this.patch(item.key, { state: 'sent', loaded: item.file.size, jobId: job.id });
      this.dispatchEvent(new CustomEvent<JobView>('sent', { detail: job }));
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0;
      const text = error instanceof ApiError ? uploadErrorText(error) : errorMessage(error);
      const wait = busyWait(error);
      if (wait !== null && item.busyTries < MAX_BUSY_TRIES) {
        // Waiting again in its place in the list; the files after it would only be turned away too.
        const seconds = Math.ceil(wait / 1000);
        this.patch(item.key, { state: 'waiting', loaded: 0, error: `${text} Trying again in ${seconds} s.`, busyTries: item.busyTries + 1 });
        this.holdFor(wait);
      } else {
        this.patch(item.key, { state: 'failed', error: text, retryable: isRetryable(status) });
      }
    } finally {
      this.running--;
      this.pump();
    }
  }

  private holdFor(ms: number): void {
    this.hold ??= setTimeout(() => {
      this.hold = null;
      this.pump();
    }, ms);
  }

  private find(key: string): UploadItem | undefined {
    return this.items.find((item) => item.key === key);
  }

  private patch(key: string, patch: Partial<UploadItem>): void {
    this.items = this.items.map((item) => (item.key === key ? { ...item, ...patch } : item));
    this.changed();
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

/** How long to wait when the master is too busy or this address sends too much (503, 429) and says when to try again; else null. */
function busyWait(error: unknown): number | null {
  if (!(error instanceof ApiError) || (error.status !== 429 && error.status !== 503) || error.retryAfterMs === null) return null;
  return Math.min(error.retryAfterMs, MAX_BUSY_WAIT_MS);
}

/** One queue per tab: uploads carry on, and stay listed, while the person looks at other pages. */
export const uploads = new UploadQueue(async ({ file, key, trustedOnly }, onProgress) => {
  const limits = await ownerClaimed();
  // Refused before a byte is sent: on a slow uplink, sending it whole only to hear 413 took minutes.
  if (limits && file.size > limits.maxUploadBytes) throw new ApiError(tooLargeText(file.size, limits.maxUploadBytes), 413, 'file-too-large');
  return uploadImage(file, { idempotencyKey: key, trustedOnly, onProgress });
});
