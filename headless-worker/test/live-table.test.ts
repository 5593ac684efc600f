import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LiveTable } from '../live-table.ts';

/** A terminal of this size whose output is collected. */
function terminal(columns: number, rows: number) {
  const out = Object.assign(new PassThrough(), { columns, rows }) as unknown as NodeJS.WriteStream & PassThrough;
  const written = { text: '' };
  out.on('data', (chunk: Buffer) => (written.text += chunk.toString()));
  return { out, written };
}

describe('the fleet live table', () => {
  it('redraws the table in place, with log lines above it', () => {
    const { out, written } = terminal(80, 24);
    const table = new LiveTable(out);
    table.draw(['a', 'b']);
    table.log('hello\n');
    table.draw(['c', 'd']);
    // Up two lines, erase to the end, then the text: the terminal shows "hello", then the latest table.
    expect(written.text).toBe('\r\x1b[0Ja\nb\n' + '\x1b[2A\r\x1b[0Jhello\na\nb\n' + '\x1b[2A\r\x1b[0Jc\nd\n');
  });

  it('cuts lines to the width and the block to the height, saying how many rows it left out', () => {
    const { out, written } = terminal(10, 5);
    const table = new LiveTable(out);
    table.draw(['a very long header line', ...Array.from({ length: 30 }, (_, i) => `w${i + 1}`)]);
    table.draw(['x']);
    const [first, second] = written.text.split('\x1b[0J').slice(1);
    // Four rows of five: the cursor can always climb back over the whole block, so a redraw leaves nothing behind.
    expect(first!.split('\n').slice(0, -1)).toEqual(['a very lo', 'w1', 'w2', '… 28 more']);
    expect(written.text).toContain('\x1b[4A\r\x1b[0J');
    expect(second).toBe('x\n');
  });
});
