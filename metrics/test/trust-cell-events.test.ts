// Which jobs a trust bench cell counts as finished, from the master's job events: a job reopened by a blacklisting
// is unfinished again, and counted on the result it ends with next.
import { describe, expect, it } from 'vitest';
import type { JobView } from '../../master/api-types.ts';
import { trackFinished } from '../trust-cell.ts';

const job = (status: JobView['status'], top1?: number) =>
  ({ id: 'A', status, ...(top1 === undefined ? {} : { result: { predictions: [{ index: top1 }] } }) }) as unknown as JobView;

describe('trackFinished', () => {
  it('makes a reopened job unfinished again, then finished with its new result', () => {
    const finished = new Map<string, JobView>();
    expect(trackFinished(finished, { transition: 'completed', job: job('done', 7) })).toBe('finished');
    expect(finished.get('A')?.result?.predictions[0]?.index).toBe(7);

    expect(trackFinished(finished, { transition: 'reopened', job: job('queued') })).toBe('reopened');
    expect(finished.has('A')).toBe(false);
    expect(trackFinished(finished, { transition: 'leased', job: job('leased') })).toBeUndefined();
    expect(finished.has('A')).toBe(false);

    expect(trackFinished(finished, { transition: 'completed', job: job('done', 3) })).toBe('finished');
    expect(finished.get('A')?.result?.predictions[0]?.index).toBe(3);
  });

  it('counts failed jobs as finished and ignores other events of jobs never finished', () => {
    const finished = new Map<string, JobView>();
    expect(trackFinished(finished, { transition: 'submitted', job: job('queued') })).toBeUndefined();
    expect(trackFinished(finished, { transition: 'reopened', job: job('queued') })).toBeUndefined();
    expect(trackFinished(finished, { transition: 'failed', job: job('failed') })).toBe('finished');
    expect(finished.get('A')?.status).toBe('failed');
  });
});
