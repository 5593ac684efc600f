// The rule for text strangers write and others read (master/shown-text.ts), case by case: what a script or an emoji
// needs is kept, what breaks a line, hides or turns text around is refused, and a failure's reason is flattened.
import { describe, expect, it } from 'vitest';
import { flattened, isPlain, nameProblem } from '../shown-text.ts';

const SCOTLAND = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';

describe('shown text', () => {
  it.each([
    ['Persian with a zero-width non-joiner between letters', 'نامه\u200Cها'],
    ['Sinhala with a zero-width joiner after a virama', 'ශ්\u200Dරී'],
    ['a technologist emoji (ZWJ)', '👩\u200D💻 ana'],
    ['a skin-toned technologist emoji (ZWJ after the modifier)', '👩🏽\u200D💻'],
    ['the rainbow flag (variation selector, then ZWJ)', '🏳\uFE0F\u200D🌈'],
    ["Scotland's flag (tags after the black flag)", SCOTLAND],
    ['an Arabic number sign (a format character that shows)', '\u0600١٢'],
    ['a kiss emoji (ZWJs, a variation selector between them)', '👩\u200D\u2764\uFE0F\u200D💋\u200D👨'],
    ['a Devanagari half form (ZWJ after a virama)', 'क्\u200Dष'],
    ['a keycap (variation selector before the enclosing keycap)', '1\uFE0F\u20E3'],
    ['a CJK ideograph variant (ideographic variation selector)', '葛\u{E0100}'],
    ['Tibetan stacks', 'བསྒྲུབས'],
    ['a composed accent', 'René'],
  ])('takes %s', (_case, text) => {
    expect(isPlain(text)).toBe(true);
    expect(nameProblem(text)).toBeNull();
    expect(flattened(text)).toBe(text);
  });

  it.each([
    ['a bidi override', '\u202Eevil', ' evil'],
    ['a right-to-left mark', 'a\u200Fb', 'a b'],
    ['an Arabic letter mark', 'a\u061Cb', 'a b'],
    ['a directional isolate', 'a\u2067b', 'a b'],
    ['a zero-width space', 'a\u200Bb', 'a b'],
    ['a word joiner', 'a\u2060b', 'a b'],
    ['an invisible plus', 'a\u2064b', 'a b'],
    ['a zero-width no-break space', 'a\uFEFFb', 'a b'],
    ['a Mongolian vowel separator', 'a\u180Eb', 'a b'],
    ['a soft hyphen (never shown on one line)', 'pay\u00ADpal', 'pay pal'],
    ['an interlinear annotation that hides its text', 'a\uFFF9hidden\uFFFAb\uFFFB', 'a hidden b '],
    ['a joiner with nothing visible before it', '\u200Da', ' a'],
    ['a joiner with nothing visible after it', 'a\u200C', 'a '],
    ['two joiners in a row', 'a\u200D\u200Db', 'a b'],
    ['tags smuggling text after a letter', 'hi\u{E0069}\u{E0067}\u{E006E}', 'hi '],
    ['tags after the black flag without the cancel tag', '\u{1F3F4}\u{E0067}\u{E0062}', '\u{1F3F4} '],
    ['a line break', 'two\nlines', 'two lines'],
    ['a line separator', 'a\u2028b', 'a b'],
    ['a non-joiner between Latin letters (ad\u200Cmin passing for admin)', 'ad\u200Cmin', 'ad min'],
    ['a joiner between Latin letters', 'ad\u200Dmin', 'ad min'],
    ['a non-joiner between an Arabic and a Latin letter', 'ن\u200Ca', 'ن a'],
    ['a combining grapheme joiner', 'a\u034Fb', 'a b'],
    ['a variation selector after a Latin letter', 'a\uFE0Fb', 'a b'],
    ['a second variation selector after an emoji', '🏳\uFE0F\uFE0F', '🏳\uFE0F '],
    ['a Mongolian free variation selector', 'ᠠ\u180Bᠠ', 'ᠠ ᠠ'],
    ['a Hangul filler between letters', 'a\u3164b', 'a b'],
    ['a lone surrogate (half an emoji, shown as �)', 'a\uD83D', 'a '],
    ['a subdivision tag of one letter', '\u{1F3F4}\u{E0061}\u{E007F}', '\u{1F3F4} '],
    ['a subdivision tag of seven letters', '\u{1F3F4}\u{E0061}\u{E0062}\u{E0063}\u{E0064}\u{E0065}\u{E0066}\u{E0067}\u{E007F}', '\u{1F3F4} '],
    ['a subdivision tag starting with a digit', '\u{1F3F4}\u{E0031}\u{E0062}\u{E0063}\u{E007F}', '\u{1F3F4} '],
  ])('refuses %s, and flattens it to a space', (_case, text, flat) => {
    expect(isPlain(text)).toBe(false);
    expect(nameProblem(text)).toMatch(/^a name may hold no control or formatting characters/);
    expect(flattened(text)).toBe(flat);
  });

  it('keeps a joiner between visible characters when flattening the run of refused ones beside it', () => {
    expect(flattened('👩\u200D💻\u202E\r\nfailed')).toBe('👩\u200D💻 failed');
  });

  it('still refuses a name stacking marks or showing nothing', () => {
    expect(nameProblem('A' + '\u0336'.repeat(5))).toBe('a name may put at most 4 combining marks on one character');
    expect(nameProblem('\u2800\u2800')).toBe('a name needs a visible letter, digit, punctuation mark or symbol');
  });
});
