// WorkerSession.owedBytes, read for every frame sent to a worker (bounded-send.ts), is a running total of the job
// frames it holds: it must follow each give and forget exactly, never drift (pure logic, a socket of the test's own).
import { expect, it } from 'vitest';
import { encodeJobFrame } from '../protocol.ts';
import { leaseOf as lease, newSession } from '../../test/support/worker-sessions.ts';

const frameBytes = (jobId: string, leaseId: string, bytes: number) =>
  encodeJobFrame({ type: 'job', jobId, leaseId, contentType: 'image/jpeg' }, new Uint8Array(bytes)).length;

it('owes the bytes of the job frames a session holds, as leases are given and forgotten', () => {
  const session = newSession();
  expect(session.owedBytes).toBe(0);
  session.give(lease('job-a', 'lease-a1', 1_000));
  session.give(lease('job-b', 'lease-b1', 5_000));
  expect(session.owedBytes).toBe(frameBytes('job-a', 'lease-a1', 1_000) + frameBytes('job-b', 'lease-b1', 5_000));

  // Forgetting a lease it does not hold (another job's, or an old lease of a job it holds) changes nothing.
  expect(session.drop({ jobId: 'job-c', leaseId: 'lease-c1' })).toBe(false);
  expect(session.drop({ jobId: 'job-a', leaseId: 'lease-a0' })).toBe(false);
  expect(session.owedBytes).toBe(frameBytes('job-a', 'lease-a1', 1_000) + frameBytes('job-b', 'lease-b1', 5_000));

  // The same job given again under a new lease replaces its entry: its old frame is owed no more.
  session.give(lease('job-a', 'lease-a2', 3_000));
  expect(session.owedBytes).toBe(frameBytes('job-a', 'lease-a2', 3_000) + frameBytes('job-b', 'lease-b1', 5_000));
  expect(session.drop({ jobId: 'job-a', leaseId: 'lease-a1' })).toBe(false);

  session.cancel({ jobId: 'job-b', leaseId: 'lease-b1' });
  expect(session.owedBytes).toBe(frameBytes('job-a', 'lease-a2', 3_000));
  expect(session.drop({ jobId: 'job-a', leaseId: 'lease-a2' })).toBe(true);
  expect(session.owedBytes).toBe(0);
  // Forgotten twice, it is still owed nothing (no negative total).
  expect(session.drop({ jobId: 'job-a', leaseId: 'lease-a2' })).toBe(false);
  expect(session.owedBytes).toBe(0);
});
