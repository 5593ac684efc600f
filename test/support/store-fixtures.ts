// What the store tests build jobs and leases from: a fixed clock, tiny uploads, one lease at a time.
import { expect } from 'vitest';
import type { JobResult } from '../../master/api-types.ts';
import type { JobStore, Lease, Limits, NewJob, Reopened, WorkerRef } from '../../master/store/job-store.ts';
import { newJob } from '../../metrics/uploaded-files.ts';

/** "Now" for store calls: a fixed instant, so times in assertions are exact. */
export const T0 = Date.UTC(2025, 0, 1);
export const LEASE_MS = 1_000;

/** `count` jobs, each with an upload file of its own holding `image` (a few bytes: stores never decode them). */
export const newJobs = (count: number, image = new Uint8Array([1, 2, 3])): NewJob[] =>
  Array.from({ length: count }, (_, i) => newJob(`${i}.jpg`, 'image/jpeg', image));

/** Leases one job to `worker`, with its image; the test fails if none is left for it. */
export async function leaseOne(store: JobStore, worker: WorkerRef, now = T0): Promise<Lease> {
  const [lease] = await store.lease([worker], LEASE_MS, now);
  expect(lease?.image).toBeTruthy();
  return lease as Lease;
}

/** When reopenedBy's walk runs: a job it reopens went back into the queue then. */
export const REOPENED_AT = T0 + 60_000;

/** Why a job full of answers stays done at a backtracking with no trusted worker connected, unless a test says. */
export const ANSWERS_FULL_REASON = 'it held MAX_ANSWERS_PER_JOB answers and no trusted worker was connected';

/**
 * A whole backtracking walk (reopenAnsweredBy): what its steps told, gathered. `imageExpiredReason` is a job's whose
 * image has expired; with no trusted worker connected (unless `fleet` says), a job that would hold
 * limits.maxAnswersPerJob answers stays done with ANSWERS_FULL_REASON.
 */
export async function reopenedBy(
  store: Pick<JobStore, 'reopenAnsweredBy'>,
  identity: string,
  reason: string,
  imageExpiredReason: string,
  fleet: { trustedWorkerConnected: boolean } = { trustedWorkerConnected: false },
): Promise<Reopened> {
  const walked: Reopened = { reopened: [], unverified: [] };
  await store.reopenAnsweredBy(identity, { reason, now: () => REOPENED_AT, imageExpiredReason, answersFullReason: ANSWERS_FULL_REASON, ...fleet }, (step) => {
    walked.reopened.push(...step.reopened);
    walked.unverified.push(...step.unverified);
  });
  return walked;
}

/** A volunteer's answer of class `index`, as the master stores it with the identity that gave it. */
export const volunteerAnswer = (index: number, workerId: string): JobResult => ({
  predictions: [{ index, label: `class ${index}`, probability: 0.9 }],
  model: 'm',
  backend: 'wasm',
  inferenceMs: 3,
  workerId,
  workerClass: 'volunteer',
});

/** Trusted workers a, b and c: each its own socket and identity. */
export const TRUSTED_WORKERS: WorkerRef[] = ['a', 'b', 'c'].map((id) => ({
  id,
  name: `worker-${id}`,
  backend: `backend-${id}`,
  identity: id,
  workerClass: 'trusted',
}));

/** A volunteer's socket `id` under `identity` (two sockets of one identity are two tabs of one volunteer). */
export const volunteerRef = (id: string, identity: string): WorkerRef => ({ id, name: `volunteer-${id}`, backend: 'wasm', identity, workerClass: 'volunteer' });

/** A result of class `index`, as a worker sends it. */
export const resultOf = (index: number): JobResult => ({ predictions: [{ index, label: 'x', probability: 1 }], model: 'm', backend: 'b', inferenceMs: 3 });

/** For a describe block's store kind (useStoreKind): a store holding `count` queued jobs, and their ids in submission order. */
export function storeWithJobs(openStore: (limits?: Partial<Limits>) => Promise<{ store: JobStore }>) {
  return async (count: number, limits: Partial<Limits> = {}) => {
    const { store } = await openStore(limits);
    const { jobs } = await store.create(newJobs(count), T0);
    return { store, ids: jobs.map((job) => job.id) };
  };
}
