// How deep a JSON text nests, read before JSON.parse. The protocol's messages nest three levels at most (a result's
// predictions), but a frame of brackets inside one another costs JSON.parse far more than its size: 60 KB of them
// took some 20 ms, tens of times a flat message of that size, so a worker socket sending them well within
// MAX_WORKER_MESSAGES_PER_SECOND kept the master busy. One pass over the text costs about what parsing a flat one does.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** Whether `text` opens more than `most` arrays or objects inside one another; brackets inside strings nest nothing. */
export function nestsDeeperThan(text: string, most: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // The character after a backslash is escaped: it ends no string.
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > most) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}
