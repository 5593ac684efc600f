import { describe, expect, it } from 'vitest';
import type { WorkerView } from '../../master/api-types.ts';
import { applyWorkerChanges } from '../src/state/worker-changes.ts';

const worker = (id: string, jobsDone = 0) => ({ id, jobsDone }) as WorkerView;

describe('applyWorkerChanges', () => {
  it('replaces changed workers in place, adds new ones at the end and removes those that left', () => {
    const before = [worker('a'), worker('b'), worker('c')];
    const after = applyWorkerChanges(before, [worker('b', 5), worker('d')], ['a']);
    expect(after).toEqual([worker('b', 5), worker('c'), worker('d')]);
    expect(before).toEqual([worker('a'), worker('b'), worker('c')]);
  });

  it('does not add a worker that changed and left in the same interval', () => {
    expect(applyWorkerChanges([], [worker('x')], ['x'])).toEqual([]);
  });
});
