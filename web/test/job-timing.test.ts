import { describe, expect, it } from 'vitest';
import { endToEndMs, queueMs } from '../src/lib/job-timing.ts';

describe('job timing', () => {
  const submittedAt = '2025-01-01T00:00:00.000Z';

  it('measures the queue from submission to the start of the lease', () => {
    expect(queueMs({ submittedAt, startedAt: '2025-01-01T00:00:01.250Z' })).toBe(1250);
    expect(queueMs({ submittedAt, startedAt: null })).toBeNull();
  });

  it('measures end to end from submission to the finish', () => {
    expect(endToEndMs({ submittedAt, finishedAt: '2025-01-01T00:00:02.000Z' })).toBe(2000);
    expect(endToEndMs({ submittedAt, finishedAt: null })).toBeNull();
  });
});
