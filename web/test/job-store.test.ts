import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JobView } from '../../master/api-types.ts';
import { JobStore, MAX_KEPT_DELETIONS, MAX_KEPT_JOBS } from '../src/state/job-store.ts';
import { jobView } from '../../test/support/job-view.ts';

/** Submitted `id` seconds into the day, so numbered jobs list in a known order. */
function job(id: string, patch: Partial<JobView> = {}): JobView {
  return jobView(id, { submittedAt: `2025-01-01T00:00:${id.padStart(2, '0')}.000Z`, ...patch });
}

/** Job `i`, submitted `i` seconds into the day, for stores too big for `job`. */
function numbered(i: number, patch: Partial<JobView> = {}): JobView {
  return jobView(String(i), { submittedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(), ...patch });
}

/** Adds jobs `from` to `from + count - 1`, in that order. */
function fill(store: JobStore, count: number, from = 0): void {
  for (let i = from; i < from + count; i++) store.upsert(numbered(i));
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

  it('does not bring back a deleted job on a live event about it that came after its deletion', () => {
    const store = new JobStore();
    store.upsert(job('1', { status: 'queued' }));
    store.remove('1');
    store.upsert(job('1', { status: 'leased' }));
    expect(store.get('1')).toBeUndefined();
    expect(store.list()).toEqual([]);
  });

  it('drops the jobs least recently fetched or updated', () => {
    const store = new JobStore();
    fill(store, MAX_KEPT_JOBS);
    store.upsert(numbered(0, { status: 'done' }));
    store.upsert(numbered(MAX_KEPT_JOBS));
    expect(store.list()).toHaveLength(MAX_KEPT_JOBS);
    expect(store.get('0')?.status).toBe('done');
    expect(store.get('1')).toBeUndefined();
  });

  it('keeps older jobs it was just asked to fetch when full', () => {
    const store = new JobStore();
    fill(store, MAX_KEPT_JOBS, 1);
    // What the Failed filter or "Load older" fetches: jobs older than all those kept.
    store.mergeSnapshot([numbered(0, { status: 'failed' })], store.mark());
    expect(store.list('failed').map((j) => j.id)).toEqual(['0']);
    store.upsert(numbered(MAX_KEPT_JOBS + 1));
    expect(store.list('failed').map((j) => j.id)).toEqual(['0']);
  });

  it('does not bring back a job deleted while a snapshot was on its way, when full', () => {
    const store = new JobStore();
    fill(store, MAX_KEPT_JOBS);
    const mark = store.mark();
    store.remove('5');
    store.upsert(numbered(MAX_KEPT_JOBS));
    store.mergeSnapshot([numbered(5)], mark);
    expect(store.get('5')).toBeUndefined();
    expect(store.isDeleted('5')).toBe(true);
  });

  it('remembers past its bound the deletions a request in flight still needs, and only those', () => {
    const store = new JobStore();
    const ids = Array.from({ length: MAX_KEPT_DELETIONS + 1 }, (_, i) => String(i));
    const mark = store.mark();
    for (const id of ids) store.remove(id);
    store.mergeSnapshot([numbered(0)], mark);
    expect(store.get('0')).toBeUndefined();
    store.release(mark);
    store.remove('next');
    expect(store.isDeleted('0')).toBe(false);
    expect(store.isDeleted('1')).toBe(false);
    expect(store.isDeleted('2')).toBe(true);
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
        const deleted = new Set<string>();
        for (const w of writes) {
          if (w.kind === 'remove') {
            store.remove(w.id);
            model.delete(w.id);
            deleted.add(w.id);
            continue;
          }
          const submittedAt = `2025-01-01T00:00:0${w.second}.000Z`;
          if (w.kind === 'upsert') {
            // A deleted job is gone for good: an event about it after is stale.
            if (deleted.has(w.id)) {
              store.upsert(job(w.id, { submittedAt }));
              continue;
            }
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
