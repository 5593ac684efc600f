import { describe, expect, it } from 'vitest';
import { routeFor } from '../src/router.ts';

describe('routeFor', () => {
  it.each([
    ['/', 'board'],
    ['/submit', 'submit'],
    ['/worker', 'worker'],
    ['/worker/', 'worker'],
    ['/stats', 'stats'],
  ])('maps %s to the %s page', (path, route) => {
    expect(routeFor(path)).toBe(route);
  });

  it('knows no other page', () => {
    expect(routeFor('/nope')).toBeNull();
    expect(routeFor('/worker/extra')).toBeNull();
  });
});
