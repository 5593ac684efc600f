// One raw record per image sent: what the client saw, joined with what the
// master holds for it. Client and master times are on one clock: the study's
// client runs on the master's host (runner/study.ts), so no offset converts between them.
import type { AttemptOutcome as MasterAttemptOutcome, JobStatus, JobView, JobDetailView } from '../../master/api-types.ts';
import type { LabelledImage } from '../dataset.ts';
import type { UploadAttempt, UploadResult } from './upload-client.ts';

export interface JobRecord {
  /** Packet loss configured on the client's link, each direction. */
  loss: number;
  /** Which run of that loss rate, from 1 (--repeats). */
  repeat: number;
  key: string;
  image: string;
  /** ImageNet class index of the image's label. */
  trueIndex: number;
  /** Client clock, epoch ms. */
  intendedAt: number;
  ackedAt: number | null;
  uploadAttempts: UploadAttempt[];
  /** From the 201; or, when no 201 arrived, the job the master created anyway (found by file name). */
  jobId: string | null;
  /** The master's status when the wait ended; null when the master has no job for this upload. */
  status: JobStatus | null;
  /** Outcome of each lease of the job, in order. */
  leaseOutcomes: MasterAttemptOutcome[];
  /** Master clock, epoch ms. */
  submittedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  inferenceMs: number | null;
  /** Class indices, most probable first. */
  top5: number[] | null;
  worker: string | null;
  error: string | null;
}

export interface RecordInputs {
  loss: number;
  repeat: number;
  images: readonly LabelledImage[];
  uploads: readonly UploadResult[];
  /** The master's view of each acknowledged job, by id (null: unknown to the master). */
  acknowledged: ReadonlyMap<string, JobDetailView | null>;
  /** Jobs the master created for uploads that never got their 201, by upload key. */
  unacknowledgedButCreated: ReadonlyMap<string, JobView>;
}

/** Records in the order of `images`; `uploads[i]` must be the upload of `images[i]`. */
export function buildRecords({ loss, repeat, images, uploads, acknowledged, unacknowledgedButCreated }: RecordInputs): JobRecord[] {
  return uploads.map((upload, i) => {
    const image = images[i]!;
    const job: (JobView & Partial<JobDetailView>) | null = upload.jobId
      ? (acknowledged.get(upload.jobId) ?? null)
      : (unacknowledgedButCreated.get(upload.key) ?? null);
    const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);
    return {
      loss,
      repeat,
      key: upload.key,
      image: image.file,
      trueIndex: image.index,
      intendedAt: upload.intendedAt,
      ackedAt: upload.ackedAt,
      uploadAttempts: upload.attempts,
      jobId: upload.jobId ?? job?.id ?? null,
      status: job?.status ?? null,
      leaseOutcomes: job?.timeline?.map((attempt) => attempt.outcome) ?? [],
      submittedAt: time(job?.submittedAt),
      startedAt: time(job?.startedAt),
      finishedAt: time(job?.finishedAt),
      inferenceMs: job?.result?.inferenceMs ?? null,
      top5: job?.result?.predictions.map((prediction) => prediction.index) ?? null,
      worker: job?.worker ?? null,
      error: job?.error ?? null,
    };
  });
}
