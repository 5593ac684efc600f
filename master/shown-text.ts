// Text a stranger writes that other people read as it is: a worker's name and backend, a volunteer's display name,
// a file name, a failure's reason. Shown on boards, job pages and in exports, so what it may hold is decided here
// once (the web app imports this file through protocol.ts: it must stay free of Node).

/** Control and format characters and the line and paragraph separators break a line or turn text around (U+202E). */
const HIDDEN_OR_BREAKING = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const HIDDEN_OR_BREAKING_RUNS = new RegExp(HIDDEN_OR_BREAKING.source + '+', 'gu');

/** Whether the text has no character that breaks a line or turns text around. */
export const isPlain = (text: string) => !HIDDEN_OR_BREAKING.test(text);

/** The text with each run of line-breaking or text-turning characters made one space. */
export const flattened = (text: string) => text.replace(HIDDEN_OR_BREAKING_RUNS, ' ');

/**
 * Combining marks one character may carry in a name. Real scripts stack up to four (Tibetan's subjoined letters and
 * vowel, pointed Hebrew); taller stacks ("Zalgo" text) only spill over the rows around them.
 */
export const MAX_MARKS_PER_CHARACTER = 4;
const MARK_STACK = new RegExp(`\\p{M}{${MAX_MARKS_PER_CHARACTER + 1},}`, 'u');

/** A character that shows: a letter, digit, punctuation or symbol, but not a Hangul filler (ignorable) or the blank braille pattern. */
const VISIBLE = /(?![\p{Default_Ignorable_Code_Point}\u2800])[\p{L}\p{N}\p{P}\p{S}]/u;

/** Why a name (already NFC-normalised) cannot be shown as it is, in plain words; null when it can. */
export function nameProblem(name: string): string | null {
  if (!isPlain(name)) return 'a name may hold no control or formatting characters (a line break, a bidi override that turns text around)';
  if (MARK_STACK.test(name)) return `a name may put at most ${MAX_MARKS_PER_CHARACTER} combining marks on one character`;
  if (!VISIBLE.test(name)) return 'a name needs a visible letter, digit, punctuation mark or symbol';
  return null;
}
