import { describe, expect, it } from 'vitest';
import { forgetFleetToken, takeFleetToken } from '../src/state/fleet-token.ts';

/** One tab: its sessionStorage, kept across loads, and the addresses it was given by replaceState. */
function tab() {
  const kept = new Map<string, string>();
  const storage = () => ({
    getItem: (key: string) => kept.get(key) ?? null,
    setItem: (key: string, value: string) => void kept.set(key, value),
    removeItem: (key: string) => void kept.delete(key),
  });
  const replaced: string[] = [];
  const history = { state: null, replaceState: (_state: unknown, _title: string, url?: string | URL | null) => void replaced.push(String(url)) };
  const load = (href: string) => takeFleetToken({ href, hash: new URL(href).hash }, history, storage);
  return { load, forget: () => forgetFleetToken(storage), replaced };
}

describe('takeFleetToken', () => {
  it('reads the token from the fragment and takes it out of the address bar', () => {
    const { load, replaced } = tab();
    expect(load('http://m/worker?autostart=1#fleet-token=s3cret-token-value')).toBe('s3cret-token-value');
    expect(replaced).toEqual(['http://m/worker?autostart=1']);
  });

  it('leaves a volunteer page without one alone', () => {
    const { load, replaced } = tab();
    expect(load('http://m/worker')).toBeUndefined();
    expect(replaced).toEqual([]);
  });

  it('keeps the token for the tab: a reload, its fragment gone, is still the fleet page', () => {
    const { load } = tab();
    load('http://m/worker#fleet-token=s3cret-token-value');
    expect(load('http://m/worker')).toBe('s3cret-token-value');
  });

  it('takes a token given in the fragment over the one kept', () => {
    const { load } = tab();
    load('http://m/worker#fleet-token=old-token-value');
    expect(load('http://m/worker#fleet-token=new-token-value')).toBe('new-token-value');
    expect(load('http://m/worker')).toBe('new-token-value');
  });

  it('gives nothing to a tab opened afresh', () => {
    tab().load('http://m/worker#fleet-token=s3cret-token-value');
    expect(tab().load('http://m/worker')).toBeUndefined();
  });

  it('forgets the token the master refused: the next load is a volunteer page', () => {
    const { load, forget } = tab();
    load('http://m/worker#fleet-token=refused-token-value');
    forget();
    expect(load('http://m/worker')).toBeUndefined();
  });

  it('still takes the token from the fragment when storage is blocked', () => {
    const blocked = () => {
      throw new DOMException('blocked', 'SecurityError');
    };
    const history = { state: null, replaceState: () => {} };
    const href = 'http://m/worker#fleet-token=s3cret-token-value';
    expect(takeFleetToken({ href, hash: new URL(href).hash }, history, blocked)).toBe('s3cret-token-value');
    expect(() => forgetFleetToken(blocked)).not.toThrow();
  });
});
