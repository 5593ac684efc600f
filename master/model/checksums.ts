// A model folder's SHA256SUMS (the format `sha256sum` writes and `sha256sum -c` reads): when present, every
// file the master serves must be listed and match, so a damaged or swapped file stops the start instead of
// giving wrong labels in every browser.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ModelError } from './model-error.ts';

const CHECKSUM_FILE = 'SHA256SUMS';

/** Parses `<64 hex>  <name>` lines (`*<name>` for binary mode); blank lines are skipped. */
function parseChecksums(text: string, source: string): Map<string, string> {
  const sums = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.replace(/\r$/, ''));
    if (!match) throw new ModelError(`${source} line ${i + 1} is not "<sha256>  <file>": ${JSON.stringify(line.slice(0, 100))}`);
    sums.set(match[2]!, match[1]!.toLowerCase());
  });
  return sums;
}

/**
 * Checks `files` (names relative to `dir`) against `dir`/SHA256SUMS. Returns false when the folder has no
 * checksum file (nothing to check), true when every file matched; throws a ModelError naming the first
 * file that is unlisted or differs.
 */
export function verifyChecksums(dir: string, files: Iterable<string>): boolean {
  const sumsPath = path.join(dir, CHECKSUM_FILE);
  if (!fs.existsSync(sumsPath)) return false;
  const sums = parseChecksums(fs.readFileSync(sumsPath, 'utf8'), sumsPath);
  for (const file of files) {
    const expected = sums.get(file);
    if (!expected) throw new ModelError(`model file ${path.join(dir, file)} is not listed in ${sumsPath}`);
    const actual = createHash('sha256')
      .update(fs.readFileSync(path.join(dir, file)))
      .digest('hex');
    if (actual !== expected) {
      throw new ModelError(
        `model file ${path.join(dir, file)} does not match ${sumsPath}: its SHA-256 is ${actual}, expected ${expected}. ` +
          'The file is damaged or was replaced; restore it (e.g. git checkout) or point MODEL_DIR at another model.',
      );
    }
  }
  return true;
}
