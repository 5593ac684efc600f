import { describe, expect, it } from 'vitest';
import { parseWorkerParams, randomWorkerName, rememberedWorkerName } from '../src/worker-runtime/worker-params.ts';

describe('parseWorkerParams', () => {
  it('reads the headless fleet URL', () => {
    expect(parseWorkerParams('?autostart=1&kind=headless&name=headless-3', true)).toEqual({
      autostart: true,
      kind: 'headless',
      name: 'headless-3',
      backend: null,
    });
  });

  it("takes no name from a link in a person's browser (not under remote control): it keeps the one it remembers", () => {
    expect(parseWorkerParams('?name=chosen-by-the-link-author', false).name).toBeNull();
    expect(parseWorkerParams('?name=chosen-by-the-link-author', true).name).toBe('chosen-by-the-link-author');
  });

  it('defaults to a volunteer that waits for a click and uses its remembered name', () => {
    expect(parseWorkerParams('', true)).toEqual({ autostart: false, kind: 'volunteer', name: null, backend: null });
  });

  it('falls back to volunteer for an unknown kind and ignores a blank name', () => {
    expect(parseWorkerParams('?kind=robot&name=%20%20', true)).toMatchObject({ kind: 'volunteer', name: null });
  });

  it('reads a backend asked for by name, and ignores one it does not know', () => {
    expect(parseWorkerParams('?backend=cpu', false).backend).toBe('cpu');
    expect(parseWorkerParams('?backend=webgl', false).backend).toBe('webgl');
    expect(parseWorkerParams('?backend=quantum', false).backend).toBeNull();
  });

  it('trims names to what the protocol accepts', () => {
    expect(parseWorkerParams(`?name=${'x'.repeat(100)}`, true).name).toHaveLength(64);
    // A soft hyphen, a bidi override, a line break: the master would refuse the hello.
    expect(parseWorkerParams(`?name=${encodeURIComponent('lab\u00AD-\u202Eone\n')}`, true).name).toBe('lab-one');
    // The zero-width joiner that makes 👩‍💻 one emoji, and Persian's non-joiner between letters, the master takes.
    expect(parseWorkerParams(`?name=${encodeURIComponent('👩\u200D💻 نامه\u200Cها')}`, true).name).toBe('👩\u200D💻 نامه\u200Cها');
    // Cut after a joiner, the name would end in one: it goes too.
    expect(parseWorkerParams(`?name=${encodeURIComponent(`${'x'.repeat(62)}a\u200Db`)}`, true).name).toBe(`${'x'.repeat(62)}a`);
    // Cut in the middle of an emoji, the name would end in half of it (a lone surrogate): it goes too.
    expect(parseWorkerParams(`?name=${encodeURIComponent('a'.repeat(63))}%F0%9F%98%80`, true).name).toBe('a'.repeat(63));
  });

  it.each([
    ['a Hangul filler', '%E3%85%A4'],
    ['the blank braille pattern', '%E2%A0%80'],
    ['a letter under 5 marks', 'A%CC%B6%CC%B6%CC%B6%CC%B6%CC%B6'],
  ])('drops a name the master would refuse (%s), for the remembered one', (_case, name) => {
    expect(parseWorkerParams(`?name=${name}`, true).name).toBeNull();
  });
});

describe('worker names', () => {
  it('are readable words and a number', () => {
    expect(randomWorkerName(() => 0)).toBe('amber-otter-0');
    expect(randomWorkerName(() => 0.999)).toMatch(/^[a-z]+-[a-z]+-999$/);
  });

  it('are remembered by the browser', () => {
    const saved = new Map<string, string>();
    const storage = () => ({ getItem: (key: string) => saved.get(key) ?? null, setItem: (key: string, value: string) => void saved.set(key, value) });
    const first = rememberedWorkerName(storage);
    expect(rememberedWorkerName(storage)).toBe(first);
  });

  it('still come when storage is blocked', () => {
    const blocked = () => {
      throw new DOMException('blocked', 'SecurityError');
    };
    expect(rememberedWorkerName(blocked)).toMatch(/^[a-z]+-[a-z]+-\d+$/);
  });
});
