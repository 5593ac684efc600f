// Text a stranger writes that other people read as it is: a worker's name and backend, a volunteer's display name,
// a file name, a failure's reason. Shown on boards, job pages and in exports, so what it may hold is decided here
// once (the web app imports this file through protocol.ts: it must stay free of Node).

/** A character that shows: a letter, digit, punctuation or symbol, but not a Hangul filler (ignorable) or the blank braille pattern. */
const VISIBLE = /(?![\p{Default_Ignorable_Code_Point}\u2800])[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * Characters that break a line (controls, the line and paragraph separators), hide the text they annotate (U+FFF9-FFFB),
 * are half of a character (a lone surrogate, shown as �), or show nothing, by Unicode's own list of the invisible
 * (default-ignorable): the bidi controls that turn text around (U+202E), zero-width spaces and joiners, the word joiner,
 * the soft hyphen (a name is shown on one line, so it never shows), the combining grapheme joiner, variation selectors,
 * Hangul fillers, the tag characters (text smuggled unseen) and the code points kept for more of them. The format
 * characters that do show (the Arabic number signs, Egyptian hieroglyphs' quadrat controls) stay.
 */
const HIDDEN_OR_BREAKING = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\uFFF9-\uFFFB]/u;

/**
 * The invisible characters a script or an emoji needs, only where it needs them (anywhere else they only hide, and a
 * joiner between two Latin letters would make "ad\u200Cmin" pass for "admin"):
 * - a zero-width joiner between emoji (👩‍💻; 🏳️‍🌈 after its variation selector, 👩🏽‍💻 after a skin tone);
 * - a joiner after a virama of an Indic script or Sinhala, before a letter (ශ්‍රී, half forms, Malayalam chillus);
 * - a joiner between Arabic-script letters (Persian's non-joiner: نامه‌ها);
 * - a variation selector choosing an emoji's or text's look (❤️, ☺︎, 1️⃣) or a CJK ideograph's variant (葛󠄀);
 * - the tags that make 🏴 a subdivision's flag, in the emoji standard's form: a region's two letters, one to three
 *   letters or digits, then the cancel tag (🏴󠁧󠁢󠁳󠁣󠁴󠁿).
 * A joiner is matched before what precedes it is read back: a lookbehind tried at every character would read each run
 * of marks again from each mark in it (50,000 marks: 25 s).
 */
const EMOJI = '\\p{Extended_Pictographic}';
const VIRAMA = '[\\u094D\\u09CD\\u0A4D\\u0ACD\\u0B4D\\u0BCD\\u0C4D\\u0CCD\\u0D4D\\u0DCA]';
const ARABIC_LETTER = '(?=\\p{Script=Arabic})\\p{L}';
const TAG_LETTER = '[\\u{E0061}-\\u{E007A}]';
const SHAPING = new RegExp(
  [
    `\\u200D(?<=${EMOJI}(?:\\uFE0F|\\p{Emoji_Modifier})?\\u200D)(?=${EMOJI})`,
    `[\\u200C\\u200D](?<=${VIRAMA}[\\u200C\\u200D])(?=\\p{L})`,
    `[\\u200C\\u200D](?<=${ARABIC_LETTER}\\p{M}*[\\u200C\\u200D])(?=${ARABIC_LETTER})`,
    `(?<=${EMOJI})[\\uFE0E\\uFE0F]|(?<=[#*0-9])\\uFE0F(?=\\u20E3)|(?<=\\p{Unified_Ideograph})[\\uFE00-\\uFE0F\\u{E0100}-\\u{E01EF}]`,
    `(?<=\\u{1F3F4})${TAG_LETTER}{2}(?:${TAG_LETTER}|[\\u{E0030}-\\u{E0039}]){1,3}\\u{E007F}`,
  ].join('|'),
  'gu',
);
/** A shaping character in its place (captured, to be kept), or a run of hidden or breaking ones. */
const SHAPING_OR_HIDDEN_RUN = new RegExp(`(${SHAPING.source})|(?:${HIDDEN_OR_BREAKING.source})+`, 'gu');

/** Whether the text has no character that breaks a line, hides or turns text around. */
export const isPlain = (text: string) => !HIDDEN_OR_BREAKING.test(text.replace(SHAPING, ''));

const replacingHiddenRuns = (text: string, replacement: string) => text.replace(SHAPING_OR_HIDDEN_RUN, (_run, shaping?: string) => shaping ?? replacement);

/** The text with each run of line-breaking, hiding or text-turning characters made one space. */
export const flattened = (text: string) => replacingHiddenRuns(text, ' ');

/** The text without its line-breaking, hiding or text-turning characters: what is left the master takes. */
export const withoutHidden = (text: string) => replacingHiddenRuns(text, '');

/**
 * Combining marks one character may carry in a name or a file name. Real scripts stack up to four (Tibetan's subjoined letters and
 * vowel, pointed Hebrew); taller stacks ("Zalgo" text) only spill over the rows around them.
 */
export const MAX_MARKS_PER_CHARACTER = 4;
const MARK_STACK = new RegExp(`\\p{M}{${MAX_MARKS_PER_CHARACTER + 1},}`, 'u');

/** Whether the text (NFC-normalised) puts more than MAX_MARKS_PER_CHARACTER combining marks on one character: the rule for names and file names alike. */
export const stacksMarks = (text: string) => MARK_STACK.test(text);

/** Whether the text holds a character that shows: the rule for names and file names alike, as a blank one links nowhere one can see. */
export const showsSomething = (text: string) => VISIBLE.test(text);

/** Why a name (already NFC-normalised) cannot be shown as it is, in plain words; null when it can. */
export function nameProblem(name: string): string | null {
  if (!isPlain(name)) return 'a name may hold no control or formatting characters (a line break, a bidi override that turns text around)';
  if (stacksMarks(name)) return `a name may put at most ${MAX_MARKS_PER_CHARACTER} combining marks on one character`;
  if (!showsSomething(name)) return 'a name needs a visible letter, digit, punctuation mark or symbol';
  return null;
}
