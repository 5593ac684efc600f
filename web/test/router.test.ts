import { describe, expect, it } from 'vitest';
import { jobPagePath, routeFor } from '../src/router.ts';

describe('routeFor', () => {
  it.each([
    ['/', 'board'],
    ['/submit', 'submit'],
    ['/worker', 'worker'],
    ['/worker/', 'worker'],
    ['/stats', 'stats'],
    ['/volunteers', 'volunteers'],
  ])('maps %s to the %s page', (path, route) => {
    expect(routeFor(path)).toEqual({ route, id: null });
  });

  it('maps /jobs/:id to the job page with its id', () => {
    expect(routeFor('/jobs/abc-123')).toEqual({ route: 'job', id: 'abc-123' });
    expect(routeFor(jobPagePath('a b/c'))).toEqual({ route: 'job', id: 'a b/c' });
  });

  it('knows no other page', () => {
    expect(routeFor('/nope')).toBeNull();
    expect(routeFor('/worker/extra')).toBeNull();
    expect(routeFor('/jobs')).toBeNull();
    expect(routeFor('/jobs/a/b')).toBeNull();
    expect(routeFor('/jobs/%E0%A4%A')).toBeNull();
  });
});
