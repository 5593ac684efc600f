// Runs before `npm start`, `npm run fleet` and `npm run submit`: builds what is missing or older than its sources,
// and nothing else, so a start after an unchanged checkout costs no build. Plain JavaScript: it must run before
// anything is compiled and after `npm prune --omit=dev`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Each output, the file whose age stands for it, what it is built from, and the npm script that builds it. */
const OUTPUTS = [
  {
    name: 'the master, fleet and batch client (dist/)',
    stamp: 'dist/master/main.js',
    sources: ['master', 'headless-worker', 'client', 'metrics', 'common', 'tsconfig.json', 'tsconfig.build.json'],
    script: 'build:node',
  },
  {
    name: 'the web app (web/dist/)',
    stamp: 'web/dist/index.html',
    // master/ too: the app bundles the wire protocol and API types from there, and a stale bundle would speak an old protocol.
    sources: ['web/src', 'web/index.html', 'master', 'common', 'vite.config.ts'],
    script: 'build:web',
  },
];

/** The newest modification time of the files under `relative` (test folders aside); 0 when there are none. */
function newestMtime(relative) {
  const full = path.join(root, relative);
  if (!fs.existsSync(full)) return 0;
  const stat = fs.statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name === 'test') continue;
    newest = Math.max(newest, newestMtime(path.join(relative, entry.name)));
  }
  return newest;
}

function builtAt(stamp) {
  const full = path.join(root, stamp);
  return fs.existsSync(full) ? fs.statSync(full).mtimeMs : undefined;
}

for (const output of OUTPUTS) {
  const built = builtAt(output.stamp);
  const stale = built !== undefined && Math.max(...output.sources.map(newestMtime)) > built;
  if (built !== undefined && !stale) continue;
  const tools = ['typescript', 'vite'].filter((tool) => !fs.existsSync(path.join(root, 'node_modules', tool, 'package.json')));
  if (tools.length > 0) {
    const state = built === undefined ? 'is not built' : 'is older than its sources';
    console.error(`browser-grid: ${output.name} ${state} and the build tools (${tools.join(', ')}) are not installed: run "npm ci && npm run build" first.`);
    process.exit(1);
  }
  console.error(`browser-grid: building ${output.name} (${built === undefined ? 'missing' : 'older than its sources'})`);
  const run = spawnSync('npm', ['run', '--silent', output.script], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
