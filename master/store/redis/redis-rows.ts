// Redis replies back into the rows the sqlite store reads, so both stores
// build their views with the same functions (job-views.ts).
import type { AttemptOutcome, JobStatus } from '../../api-types.ts';
import type { AttemptRow, JobRow } from '../job-views.ts';

export type Fields = Record<string, string>;

/** HGETALL as a script returns it: [field, value, field, value, ...]. */
export function fieldsOf(flat: (string | Buffer)[]): Fields {
  const fields: Fields = {};
  for (let i = 0; i < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}

const numberOrNull = (value: string | undefined) => (value === undefined ? null : Number(value));

export function jobRow(fields: Fields): JobRow {
  return {
    seq: Number(fields.seq),
    id: fields.id!,
    status: fields.status as JobStatus,
    attempts: Number(fields.attempts),
    failures: Number(fields.failures),
    file_name: fields.file_name!,
    content_type: fields.content_type!,
    size: Number(fields.size),
    submitted_at: Number(fields.submitted_at),
    started_at: numberOrNull(fields.started_at),
    finished_at: numberOrNull(fields.finished_at),
    worker: fields.worker ?? null,
    lease_id: fields.lease_id ?? null,
    lease_worker: fields.lease_worker ?? null,
    lease_deadline: numberOrNull(fields.lease_deadline),
    error: fields.error ?? null,
    result: fields.result ?? null,
  };
}

interface StoredAttempt {
  attempt: number;
  lease_id: string;
  worker_id: string;
  worker_name: string;
  backend: string;
  started_at: string;
  ended_at: string | null;
  outcome: AttemptOutcome;
  reason: string | null;
}

/** Times come back as the strings the master passed to the script. */
export function attemptRow(json: string): AttemptRow {
  const stored = JSON.parse(json) as StoredAttempt;
  return { ...stored, started_at: Number(stored.started_at), ended_at: stored.ended_at === null ? null : Number(stored.ended_at) };
}
