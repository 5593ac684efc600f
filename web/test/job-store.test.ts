import { describe, expect, it } from 'vitest';
import type { JobView } from '../../master/api-types.ts';
import { JobStore, MAX_KEPT_JOBS } from '../src/state/job-store.ts';

function job(id: string, patch: Partial<JobView> = {}): JobView {
  return {
    id,
    status: 'queued',
    attempts: 0,
    fileName: `${id}.jpg`,
    contentType: 'image/jpeg',
    size: 1000,
    submittedAt: `2025-01-01T00:00:${id.padStart(2, '0')}.000Z`,
    startedAt: null,
    finishedAt: null,
    worker: null,
    error: null,
    result: null,
    ...patch,
  };
}

describe('JobStore', () => {
  it('lists jobs newest first, optionally by status', () => {
    const store = new JobStore();
    store.mergeSnapshot([job('1'), job('3', { status: 'done' }), job('2')], store.mark());
    expect(store.list().map((j) => j.id)).toEqual(['3', '2', '1']);
    expect(store.list('done').map((j) => j.id)).toEqual(['3']);
  });

  it('lets a live event win over a snapshot requested before it', () => {
    const store = new JobStore();
    const mark = store.mark();
    store.upsert(job('1', { status: 'done' }));
    store.mergeSnapshot([job('1', { status: 'queued' })], mark);
    expect(store.get('1')?.status).toBe('done');
  });

  it('lets a snapshot requested after an event replace it', () => {
    const store = new JobStore();
    store.upsert(job('1', { status: 'leased' }));
    store.mergeSnapshot([job('1', { status: 'done' })], store.mark());
    expect(store.get('1')?.status).toBe('done');
  });

  it('does not bring back a job deleted while a snapshot was on its way', () => {
    const store = new JobStore();
    store.upsert(job('1'));
    const mark = store.mark();
    store.remove('1');
    store.mergeSnapshot([job('1')], mark);
    expect(store.get('1')).toBeUndefined();
    expect(store.list()).toEqual([]);
  });

  it('keeps only the newest jobs', () => {
    const store = new JobStore();
    for (let i = 0; i <= MAX_KEPT_JOBS; i++) {
      store.upsert(job(String(i), { submittedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString() }));
    }
    expect(store.list()).toHaveLength(MAX_KEPT_JOBS);
    expect(store.get('0')).toBeUndefined();
  });
});
