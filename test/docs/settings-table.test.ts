// The README's settings table is where an operator learns each limit: its default and, where the master refuses
// values past one, its range. master/test/config.test.ts checks that the table names every variable; this checks what
// each row says of it against the schema, so a changed default or a new bound cannot leave the README behind.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../../master/config-options.ts';
import { ConfigSchema } from '../../master/config.ts';
import { projectRoot } from '../support/paths.ts';

/** Node's longest timer: the bound every timer setting has, stated once above the table (a whole number's own bound is no setting's). */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Setting {
  default: unknown;
  /** The largest value the master takes, for a whole-number setting bounded above; else undefined. */
  max: number | undefined;
}

type Field = { def: { type: string; defaultValue?: unknown; innerType?: Field }; isInt?: boolean; maxValue?: number | null };
const shape = (ConfigSchema.def.in as unknown as { shape: Record<string, Field> }).shape;

function settingOf(key: string): Setting {
  const field = shape[key]!;
  const inner = field.def.type === 'default' ? field.def.innerType! : field;
  const max = inner.def.type === 'number' && inner.isInt && Number.isFinite(inner.maxValue) ? inner.maxValue! : undefined;
  return { default: field.def.defaultValue, max };
}

/** Each row of the table: the variables its first cell names, its default cell and the whole row. */
function tableRows(): { names: string[]; defaults: string[]; row: string }[] {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const rows = readme.split('| variable | default | meaning |\n|---|---|---|\n')[1]!.split('\n');
  return rows
    .slice(
      0,
      rows.findIndex((row) => !row.startsWith('|')),
    )
    .map((row) => {
      const cells = row.split('|');
      const names = [...cells[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]!);
      return { names, defaults: cells[2]!.split(' / ').map((cell) => cell.trim()), row };
    });
}

const UNITS: Record<string, number> = { KiB: 1024, MiB: 1024 * 1024 };
/** The number a default cell starts with ("16384 (16 KiB)", "10 MiB", "3,600,000 (1 h)"), or null when it starts with none. */
function statedNumber(cell: string): number | null {
  const match = /^(\d[\d,]*(?:\.\d+)?)(?:\s(KiB|MiB)\b)?/.exec(cell);
  if (!match) return null;
  return Number(match[1]!.replaceAll(',', '')) * (match[2] ? UNITS[match[2]]! : 1);
}

/** Ways a row may write `n`: 100000, 100,000, and in KiB or MiB when it is a whole number of them. */
function spellings(n: number): string[] {
  const written = [String(n), n.toLocaleString('en-US')];
  for (const [unit, size] of Object.entries(UNITS)) if (n % size === 0) written.push(`${n / size} ${unit}`);
  return written;
}

const rows = tableRows();
const keyOf = (envName: string) => OPTIONS.find(([, name]) => name === envName)![2];

describe("the README's settings table", () => {
  it('states each number default as the master has it', () => {
    const wrong: string[] = [];
    let compared = 0;
    for (const { names, defaults } of rows) {
      names.forEach((name, i) => {
        const { default: actual } = settingOf(keyOf(name));
        if (typeof actual !== 'number') return;
        compared += 1;
        const cell = defaults[i] ?? defaults[0]!;
        if (statedNumber(cell) !== actual) wrong.push(`${name}: README says "${cell}", the master ${actual}`);
      });
    }
    expect(compared).toBeGreaterThan(60);
    expect(wrong).toEqual([]);
  });

  it('states the largest value of every whole-number setting the master bounds above (timers aside)', () => {
    const unstated: string[] = [];
    let bounded = 0;
    for (const { names, row } of rows) {
      const text = row.replaceAll(',', '');
      for (const name of names) {
        const { max } = settingOf(keyOf(name));
        if (max === undefined || max === MAX_TIMER_MS || max === Number.MAX_SAFE_INTEGER) continue;
        bounded += 1;
        if (!spellings(max).some((written) => text.includes(written.replaceAll(',', '')))) unstated.push(`${name} (at most ${max})`);
      }
    }
    // Zod's accessors reading nothing would skip every row: at least the nine bounds this test was written for.
    expect(bounded).toBeGreaterThanOrEqual(9);
    expect(unstated).toEqual([]);
  });
});
