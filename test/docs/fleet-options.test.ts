// The fleet's README (headless-worker/README.md) is where its operator learns each option of `npm run fleet` and the
// bounds the fleet refuses values past, as the master's settings table is for the master (settings-table.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCli, FLEET_LIMITS } from '../../headless-worker/cli-options.ts';
import { projectRoot } from '../support/paths.ts';

const readme = fs.readFileSync(path.join(projectRoot, 'headless-worker/README.md'), 'utf8');
/** The README's text with thousands separators dropped, so 86,400 and 86400 read alike. */
const plain = readme.replaceAll(/(\d),(\d{3})/g, '$1$2');

describe("the fleet's README", () => {
  it('names every option of npm run fleet', () => {
    const flags = createCli().options.map((option) => option.long!);
    expect(flags.length).toBeGreaterThan(8);
    expect(flags.filter((flag) => !new RegExp(`(?<![\\w-])${flag}(?![\\w-])`).test(readme))).toEqual([]);
  });

  it('states the range of every option the fleet bounds', () => {
    const unstated = Object.entries(FLEET_LIMITS).filter(([, { min, max }]) => !plain.includes(`${min} to ${max}`));
    expect(Object.keys(FLEET_LIMITS).sort()).toEqual(['name', 'statusInterval', 'workers']);
    expect(unstated.map(([option]) => option)).toEqual([]);
  });
});
