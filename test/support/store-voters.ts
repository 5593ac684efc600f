// Volunteers and a fleet worker for the store contract tests of votes (store-votes.test.ts, store-answers-cap.test.ts).
import type { NewJob, WorkerRef } from '../../master/store/job-store.ts';
import { newJobs } from './store-fixtures.ts';

/** A volunteer's socket; each identity on a network of its own, which its votes carry (the verifier counts a voter a network). */
export const volunteer = (id: string, identity: string): WorkerRef => ({
  id,
  name: `volunteer-${id}`,
  backend: 'wasm',
  identity,
  workerClass: 'volunteer',
  network: `net-${identity}`,
});
export const V1 = volunteer('v1', 'identity-1');
export const V1b = volunteer('v1b', 'identity-1');
export const V2 = volunteer('v2', 'identity-2');
export const FLEET: WorkerRef = { id: 'f1', name: 'fleet-1', backend: 'wasm', identity: 'fleet-identity', workerClass: 'trusted' };

/** New jobs, trusted-only if asked. */
export const jobs = (count: number, trustedOnly = false): NewJob[] => newJobs(count).map((job) => ({ ...job, trustedOnly }));
