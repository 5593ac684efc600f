import { describe, expect, it } from 'vitest';
import { parseLiveEvent } from '../src/state/live-events.ts';

describe('parseLiveEvent', () => {
  it('accepts each event kind the master sends', () => {
    expect(parseLiveEvent('job', JSON.stringify({ type: 'job', job: { id: 'a' } }))).toMatchObject({ type: 'job' });
    expect(parseLiveEvent('job-deleted', JSON.stringify({ type: 'job-deleted', id: 'a' }))).toEqual({ type: 'job-deleted', id: 'a' });
    const diff = { type: 'workers-changed', changed: [{ id: 'w1' }], left: ['w2'], connected: 1 };
    expect(parseLiveEvent('workers-changed', JSON.stringify(diff))).toEqual(diff);
    expect(parseLiveEvent('resync', JSON.stringify({ type: 'resync' }))).toEqual({ type: 'resync' });
    expect(parseLiveEvent('keepalive', JSON.stringify({ type: 'keepalive', intervalMs: 15_000 }))).toEqual({ type: 'keepalive', intervalMs: 15_000 });
  });

  it('rejects data that is not JSON or not the promised event', () => {
    expect(parseLiveEvent('job', 'not json')).toBeNull();
    expect(parseLiveEvent('job', JSON.stringify({ type: 'workers-changed', changed: [], left: [] }))).toBeNull();
    expect(parseLiveEvent('workers-changed', JSON.stringify({ type: 'workers-changed', changed: [{}], left: [], connected: 0 }))).toBeNull();
    // The count is what the board shows of workers.
    expect(parseLiveEvent('workers-changed', JSON.stringify({ type: 'workers-changed', changed: [], left: [] }))).toBeNull();
    expect(parseLiveEvent('job', JSON.stringify({ type: 'job' }))).toBeNull();
    expect(parseLiveEvent('job-deleted', JSON.stringify({ type: 'job-deleted', id: 7 }))).toBeNull();
    expect(parseLiveEvent('other', JSON.stringify({ type: 'other' }))).toBeNull();
    // A keepalive's interval sizes the board's wait before it calls its stream dead.
    expect(parseLiveEvent('keepalive', JSON.stringify({ type: 'keepalive' }))).toBeNull();
    expect(parseLiveEvent('keepalive', JSON.stringify({ type: 'keepalive', intervalMs: 0 }))).toBeNull();
  });
});
