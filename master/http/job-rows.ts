// A job as one flat CSV row: the export endpoint and the batch client write the same columns, the same way.
import { stringify, type Stringifier } from 'csv-stringify';
import type { JobView } from '../api-types.ts';

/** How many predictions get their own label and probability columns. */
export const TOP_K = 5;

export const PREDICTION_COLUMNS = Array.from({ length: TOP_K }, (_, i) => [`label${i + 1}`, `probability${i + 1}`]).flat();

/** Each prediction's class index: labels are not unique (two ImageNet classes are both "crane"), so score by these. */
export const INDEX_COLUMNS = Array.from({ length: TOP_K }, (_, i) => `index${i + 1}`);

export const JOB_COLUMNS = [
  'id',
  'status',
  'fileName',
  'contentType',
  'size',
  'attempts',
  'submittedAt',
  'startedAt',
  'finishedAt',
  'worker',
  'error',
  'model',
  'backend',
  'inferenceMs',
  ...PREDICTION_COLUMNS,
  // Last, so a script reading the columns before it by position reads what it did; the indexes came later still.
  'verification',
  ...INDEX_COLUMNS,
];

/** label1, probability1, … label5, probability5; empty cells where there is no result. */
export function predictionCells(job: Pick<JobView, 'result'>): (string | number)[] {
  const predictions = job.result?.predictions ?? [];
  return Array.from({ length: TOP_K }, (_, i) => [predictions[i]?.label ?? '', predictions[i]?.probability ?? '']).flat();
}

/** index1 … index5; empty cells where there is no result. */
export function indexCells(job: Pick<JobView, 'result'>): (number | '')[] {
  const predictions = job.result?.predictions ?? [];
  return Array.from({ length: TOP_K }, (_, i) => predictions[i]?.index ?? '');
}

/** The verification's state of a done job (trusted, verified, unverified); empty for any other, or a result stored before verification. */
export const verificationCell = (job: Pick<JobView, 'status' | 'result'>): string => (job.status === 'done' ? (job.result?.verification?.state ?? '') : '');

export function jobRow(job: JobView): (string | number)[] {
  const { result } = job;
  return [
    job.id,
    job.status,
    job.fileName,
    job.contentType,
    job.size,
    job.attempts,
    job.submittedAt,
    job.startedAt ?? '',
    job.finishedAt ?? '',
    job.worker ?? '',
    job.error ?? '',
    result?.model ?? '',
    result?.backend ?? '',
    result?.inferenceMs ?? '',
    ...predictionCells(job),
    verificationCell(job),
    ...indexCells(job),
  ];
}

/**
 * A CSV writer with a header row. Strangers write some cells (a file name, a worker's name, a failure reason): one
 * that begins like a formula (`=`, `+`, `-`, `@`) gets a leading `'`, so a spreadsheet shows it instead of running it.
 */
export const csvWriter = (columns: string[]): Stringifier => stringify({ header: true, columns, escape_formulas: true });
