// A block of lines at the bottom of a terminal, redrawn in place; log lines written through it
// appear above the block instead of being overwritten by it.
const ERASE_DOWN = '\x1b[0J';
const up = (lines: number) => (lines > 0 ? `\x1b[${lines}A\r` : '\r');

export class LiveTable {
  #lines: string[] = [];

  constructor(private readonly out: NodeJS.WriteStream) {}

  /**
   * Replaces the block with these lines, cut to the terminal's width and height: a line that wraps, or a block taller
   * than the screen (the cursor cannot go back up past its top), would leave old rows behind on each redraw.
   */
  draw(lines: readonly string[]): void {
    const width = this.out.columns || 120;
    const next = fitHeight(lines, this.out.rows || 40).map((line) => line.slice(0, width - 1));
    this.out.write(up(this.#lines.length) + ERASE_DOWN + next.map((line) => `${line}\n`).join(''));
    this.#lines = next;
  }

  /** Writes text above the block. */
  log(text: string): void {
    this.out.write(up(this.#lines.length) + ERASE_DOWN + text + this.#lines.map((line) => `${line}\n`).join(''));
  }
}

/** The lines that fit in `rows` with a row to spare for the cursor, the last one saying how many did not. */
function fitHeight(lines: readonly string[], rows: number): readonly string[] {
  const room = Math.max(2, rows - 1);
  if (lines.length <= room) return lines;
  const shown = lines.slice(0, room - 1);
  return [...shown, `… ${lines.length - shown.length} more (a taller terminal shows them)`];
}
