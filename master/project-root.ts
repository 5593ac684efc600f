// The package's root folder, the same whether this runs from the sources (master/) or compiled (dist/master/):
// the nearest folder above this file that holds package.json. Files that are not TypeScript (the Lua scripts,
// the model, the web app's bundle) are found from here.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json in any folder above ${from}`);
  }
}

export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
