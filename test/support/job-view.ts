import type { JobView } from '../../master/api-types.ts';

/** A job as the master would list it; tests override what they care about. */
export function jobView(id: string, patch: Partial<JobView> = {}): JobView {
  return {
    id,
    status: 'queued',
    attempts: 0,
    fileName: `${id}.jpg`,
    contentType: 'image/jpeg',
    size: 1000,
    submittedAt: '2025-01-01T00:00:00.000Z',
    queuedAt: patch.submittedAt ?? '2025-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    worker: null,
    holderClass: null,
    error: null,
    result: null,
    owner: null,
    trustedOnly: false,
    imageExpiredAt: null,
    votes: 0,
    ...patch,
  };
}
