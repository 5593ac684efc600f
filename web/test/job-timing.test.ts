import { describe, expect, it } from 'vitest';
import { endToEndMs, queuedAgainAt, queueMs } from '../src/lib/job-timing.ts';

describe('job timing', () => {
  const submittedAt = '2025-01-01T00:00:00.000Z';

  it('measures the queue from submission to the start of the lease', () => {
    expect(queueMs({ status: 'leased', submittedAt, startedAt: '2025-01-01T00:00:01.250Z' })).toBe(1250);
    expect(queueMs({ status: 'queued', submittedAt, startedAt: null })).toBeNull();
  });

  it('measures no queue for a job back in the queue, whose startedAt is its earlier lease, and says when it went back', () => {
    const requeued = { status: 'queued', submittedAt, startedAt: '2025-01-01T00:00:01.250Z', queuedAt: '2025-01-01T00:00:09.000Z' } as const;
    expect(queueMs(requeued)).toBeNull();
    expect(queuedAgainAt(requeued)).toBe('2025-01-01T00:00:09.000Z');
    expect(queuedAgainAt({ status: 'queued', submittedAt, queuedAt: submittedAt })).toBeNull();
    expect(queuedAgainAt({ ...requeued, status: 'leased' })).toBeNull();
  });

  it('measures end to end from submission to the finish', () => {
    expect(endToEndMs({ submittedAt, finishedAt: '2025-01-01T00:00:02.000Z' })).toBe(2000);
    expect(endToEndMs({ submittedAt, finishedAt: null })).toBeNull();
  });
});
