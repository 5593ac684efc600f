// Whose words an attempt's reason is: a worker's failure is quoted under who reported it; the master's own verdict
// (a job whose image is gone, failed on a volunteer's lease) is not put in the worker's mouth.
import { describe, expect, it } from 'vitest';
import type { AttemptView } from '../../master/api-types.ts';
import { attemptReason } from '../src/components/worker-words.ts';

const attempt = (outcome: AttemptView['outcome'], reason: string): AttemptView => ({
  attempt: 1,
  leaseId: 'lease-1',
  worker: 'w1',
  workerName: 'volunteer-1',
  backend: 'webgl',
  startedAt: '2026-12-06T10:00:00.000Z',
  endedAt: '2026-12-06T10:00:01.000Z',
  outcome,
  reason,
  workerId: 'identity-1',
  workerClass: 'volunteer',
});

/** The text a reason renders to: a template's static parts and values in order, or the plain string. */
function textOf(rendered: unknown): string {
  if (typeof rendered === 'string') return rendered;
  const { strings, values } = rendered as { strings: readonly string[]; values: unknown[] };
  return strings.map((part, i) => part + (i < values.length ? textOf(values[i]) : '')).join('');
}

describe('attemptReason', () => {
  it("quotes a worker's failure under who reported it", () => {
    expect(textOf(attemptReason(attempt('failed', 'cannot decode')))).toContain(
      `A volunteer's browser reported:</span> <q class="worker-words">cannot decode</q>`,
    );
  });

  it("shows the master's image-missing verdict as the master's, never as the volunteer's report", () => {
    const text = textOf(attemptReason(attempt('image-missing', 'image-missing: the stored image is gone')));
    expect(text).toBe('image-missing: the stored image is gone');
    expect(text).not.toContain('reported:');
  });
});
