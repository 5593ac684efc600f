// A Chromium "executable" that starts the real one inside a network namespace,
// for the fleet's executablePath. exec keeps puppeteer's pipe file descriptors
// (3 and 4) and lets the fleet's signals reach the browser itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveBrowserPath } from '../../headless-worker/browsers.ts';

export interface NamespacedChromium {
  path: string;
  remove(): void;
}

/** Wraps CHROMIUM_PATH or /usr/bin/chromium (checked to exist, as the fleet does). */
export function chromiumInNamespace(nsName: string, chromiumPath = resolveBrowserPath('chromium')): NamespacedChromium {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-chromium-'));
  const wrapper = path.join(dir, 'chromium');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec '${nsName}' '${chromiumPath}' "$@"\n`, { mode: 0o755 });
  return { path: wrapper, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
