// A page's failure reason against the master's own schema: however long the error, the master accepts the message.
import { describe, expect, it } from 'vitest';
import { FailureMessage, MAX_FAILURE_REASON_LENGTH } from '../../master/protocol.ts';
import { failureReason } from '../src/worker-runtime/failure-reason.ts';

const failure = (reason: string) => FailureMessage.safeParse({ type: 'failure', jobId: 'job-1', leaseId: 'lease-1', reason, retryable: true });

describe('a failure reason', () => {
  it('from a very long error is within the protocol bound, and the master accepts it', () => {
    const reason = failureReason(new Error('x'.repeat(MAX_FAILURE_REASON_LENGTH * 10)));
    expect(reason).toHaveLength(MAX_FAILURE_REASON_LENGTH);
    expect(failure(reason).success).toBe(true);
    expect(failure(`${reason}x`).success).toBe(false);
  });

  it('from a short error is the error message as it is', () => {
    expect(failureReason(new Error('could not decode the image'))).toBe('could not decode the image');
  });
});
