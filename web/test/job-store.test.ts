import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JobView } from '../../master/api-types.ts';
import { JobStore, MAX_KEPT_JOBS } from '../src/state/job-store.ts';
import { jobView } from '../../test/support/job-view.ts';

/** Submitted `id` seconds into the day, so numbered jobs list in a known order. */
function job(id: string, patch: Partial<JobView> = {}): JobView {
  return jobView(id, { submittedAt: `2025-01-01T00:00:${id.padStart(2, '0')}.000Z`, ...patch });
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

  it('deletes everything at once, and a snapshot from before cannot bring it back', () => {
    const store = new JobStore();
    store.upsert(job('1'));
    store.upsert(job('2'));
    const mark = store.mark();
    store.removeAll();
    store.mergeSnapshot([job('1'), job('3')], mark);
    expect(store.list().map((j) => j.id)).toEqual(['3']);
    expect(store.isDeleted('2')).toBe(true);
  });

  it('knows which jobs were deleted', () => {
    const store = new JobStore();
    store.upsert(job('1'));
    store.remove('1');
    expect(store.isDeleted('1')).toBe(true);
    expect(store.isDeleted('2')).toBe(false);
  });

  it('lists exactly what a naive sort of the live jobs would, whatever the order of writes', () => {
    const ids = ['1', '2', '3', '4', '5', '6'];
    const write = fc.oneof(
      fc.record({ kind: fc.constant('upsert' as const), id: fc.constantFrom(...ids), second: fc.integer({ min: 0, max: 3 }), done: fc.boolean() }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant('snapshot' as const), id: fc.constantFrom(...ids), second: fc.integer({ min: 0, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(write, { maxLength: 40 }), (writes) => {
        const store = new JobStore();
        const model = new Map<string, JobView>();
        for (const w of writes) {
          if (w.kind === 'remove') {
            store.remove(w.id);
            model.delete(w.id);
            continue;
          }
          const submittedAt = `2025-01-01T00:00:0${w.second}.000Z`;
          if (w.kind === 'upsert') {
            const next = job(w.id, { submittedAt, status: w.done ? 'done' : 'queued' });
            store.upsert(next);
            model.set(w.id, next);
          } else if (!store.isDeleted(w.id) && !store.get(w.id)) {
            // A snapshot only adds what the store has not heard of since its mark.
            const next = job(w.id, { submittedAt });
            store.mergeSnapshot([next], store.mark());
            model.set(w.id, next);
          }
        }
        const expected = [...model.values()].sort((a, b) => (b.submittedAt + b.id).localeCompare(a.submittedAt + a.id));
        expect(store.list().map((j) => j.id)).toEqual(expected.map((j) => j.id));
        expect(store.list('done').map((j) => j.id)).toEqual(expected.filter((j) => j.status === 'done').map((j) => j.id));
        expect(store.size).toBe(model.size);
      }),
    );
  });
});
