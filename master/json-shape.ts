// What a JSON text's shape costs to parse, read before JSON.parse. The protocol's messages nest three levels at most (a
// result's predictions) and hold a few dozen values, but JSON.parse of 60 KB costs far more than its size as values:
// of arrays inside one another some 20 ms, of an array of numbers some 5 ms, many times a flat message of that size.
// A worker socket sending them well within MAX_WORKER_MESSAGES_PER_SECOND kept the master busy. One pass over the
// text costs a few times what parsing a flat one does (some 0.4 ms for 64 KiB here, against 0.1 ms), a cost per byte
// that MAX_WORKER_BYTES_PER_SECOND bounds, and some microseconds for an honest message of a few hundred bytes.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

export interface JsonShapeLimits {
  /** Arrays or objects inside one another. */
  depth: number;
  /**
   * Values in all, nested ones included: each container's first value counted as it opens, each next one by the comma
   * before it, so never fewer than there are (an empty container counts one more).
   */
  values: number;
}

/** What in `text` passes the limits, in words, or null; brackets and commas inside strings are text. */
export function jsonShapeProblem(text: string, most: JsonShapeLimits): string | null {
  let depth = 0;
  let values = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // The character after a backslash is escaped: it ends no string.
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === COMMA) {
      if (++values > most.values) return `message holds more than ${most.values} values`;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > most.depth) return `message nests deeper than ${most.depth} arrays or objects`;
      if (++values > most.values) return `message holds more than ${most.values} values`;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return null;
}
