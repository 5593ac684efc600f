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
