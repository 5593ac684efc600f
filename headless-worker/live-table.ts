// A block of lines at the bottom of a terminal, redrawn in place; log lines written through it
// appear above the block instead of being overwritten by it.
const ERASE_DOWN = '\x1b[0J';
const up = (lines: number) => (lines > 0 ? `\x1b[${lines}A\r` : '\r');

export class LiveTable {
  #lines: string[] = [];

  constructor(private readonly out: NodeJS.WriteStream) {}

  /** Replaces the block with these lines (cut to the terminal's width, so none wraps and the redraw stays exact). */
  draw(lines: readonly string[]): void {
    const width = this.out.columns || 120;
    const next = lines.map((line) => line.slice(0, width - 1));
    this.out.write(up(this.#lines.length) + ERASE_DOWN + next.map((line) => `${line}\n`).join(''));
    this.#lines = next;
  }

  /** Writes text above the block. */
  log(text: string): void {
    this.out.write(up(this.#lines.length) + ERASE_DOWN + text + this.#lines.map((line) => `${line}\n`).join(''));
  }
}
