// A job as one flat CSV row: the export endpoint and the batch client write the same columns, the same way.
import { stringify, type Stringifier } from 'csv-stringify';
import type { JobView } from '../api-types.ts';

/** How many predictions get their own label and probability columns. */
export const TOP_K = 5;

export const PREDICTION_COLUMNS = Array.from({ length: TOP_K }, (_, i) => [`label${i + 1}`, `probability${i + 1}`]).flat();

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
  // Last, so a script reading the columns before it by position reads what it did.
  'verification',
];

/** label1, probability1, … label5, probability5; empty cells where there is no result. */
export function predictionCells(job: Pick<JobView, 'result'>): (string | number)[] {
  const predictions = job.result?.predictions ?? [];
  return Array.from({ length: TOP_K }, (_, i) => [predictions[i]?.label ?? '', predictions[i]?.probability ?? '']).flat();
}

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
    job.status === 'done' ? (result?.verification?.state ?? '') : '',
  ];
}

/**
 * A CSV writer with a header row. Strangers write some cells (a file name, a worker's name, a failure reason): one
 * that begins like a formula (`=`, `+`, `-`, `@`) gets a leading `'`, so a spreadsheet shows it instead of running it.
 */
export const csvWriter = (columns: string[]): Stringifier => stringify({ header: true, columns, escape_formulas: true });
