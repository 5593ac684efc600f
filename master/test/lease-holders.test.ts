// The registry finds the session holding a lease (to cancel it, or trust its worker with less) from an index the
// sessions keep as they take and let go of leases: at once, not by asking each of ten thousand sessions, which an
// admin's clear of 100,000 leased jobs did once a lease (pure logic, real sessions over sockets of the test's own).
import { expect, it, vi } from 'vitest';
import { LiveEvents } from '../events/live-events.ts';
import { WorkerRegistry } from '../hub/worker-registry.ts';
import { leaseOf, newSession } from '../../test/support/worker-sessions.ts';

const ref = (jobId: string, leaseId: string) => ({ jobId, leaseId });

it('finds the holder of each lease as sessions take, replace, drop, cancel and leave them', () => {
  const registry = new WorkerRegistry(new LiveEvents(), 60_000);
  const [first, second] = [newSession('first'), newSession('second')];
  first.give(leaseOf('job-a', 'lease-a1'));
  registry.add(first);
  registry.add(second);
  second.give(leaseOf('job-b', 'lease-b1'));
  // Held before the session joined, or after: found either way, and only under its own lease id.
  expect(registry.holder(ref('job-a', 'lease-a1'))).toBe(first);
  expect(registry.holder(ref('job-b', 'lease-b1'))).toBe(second);
  expect(registry.holder(ref('job-b', 'lease-a1'))).toBeUndefined();

  // A job given again under a new lease: the old lease has no holder.
  first.give(leaseOf('job-a', 'lease-a2'));
  expect(registry.holder(ref('job-a', 'lease-a1'))).toBeUndefined();
  expect(registry.holder(ref('job-a', 'lease-a2'))).toBe(first);
  second.cancel(ref('job-b', 'lease-b1'));
  expect(registry.holder(ref('job-b', 'lease-b1'))).toBeUndefined();
  second.give(leaseOf('job-c', 'lease-c1'));
  second.drop(ref('job-c', 'lease-c1'));
  expect(registry.holder(ref('job-c', 'lease-c1'))).toBeUndefined();

  // A session that left holds nothing here, though it still lists its leases until they are requeued.
  registry.remove(first);
  expect(registry.holder(ref('job-a', 'lease-a2'))).toBeUndefined();
  first.give(leaseOf('job-d', 'lease-d1'));
  expect(registry.holder(ref('job-d', 'lease-d1'))).toBeUndefined();
});

it('asks only the session holding the lease, however many are connected', () => {
  const registry = new WorkerRegistry(new LiveEvents(), 60_000);
  const sessions = Array.from({ length: 1_000 }, (_, i) => newSession(`session-${i}`));
  for (const [i, session] of sessions.entries()) {
    registry.add(session);
    session.give(leaseOf(`job-${i}`, `lease-${i}`));
  }
  const asked = sessions.map((session) => vi.spyOn(session, 'holds'));
  expect(registry.holder(ref('job-500', 'lease-500'))).toBe(sessions[500]);
  expect(asked.reduce((calls, spy) => calls + spy.mock.calls.length, 0)).toBe(1);
});
