// Text from outside printed in the client's lines (a file's path, an error naming one, a master's answer): a control
// character in it, a newline in a file name, would break one file's line in two or reach the terminal as an escape
// sequence, so it is printed escaped, as JSON escapes it.

/**
 * Characters that break a line or act on the terminal: C0 and C1 controls and DEL (a terminal may read U+009B as an
 * escape sequence), lone surrogates, the line and paragraph separators, and the bidi controls that turn text around.
 */
const CONTROL = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{Bidi_Control}]/u;
const CONTROLS = new RegExp(CONTROL.source, 'gu');
const SHORT: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
const escape = (char: string): string => SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The text with each control character as its JSON escape (\n, \t, \u001b, \u202e …), the rest as it is. */
export const escapeControls = (text: string): string => text.replace(CONTROLS, escape);

/** A path as it is, or JSON-quoted (JSON.parse reads it back) when it holds a control character or begins with a quote. */
export const shownPath = (file: string): string => (CONTROL.test(file) || file.startsWith('"') ? `"${escapeControls(file.replace(/["\\]/g, '\\$&'))}"` : file);
