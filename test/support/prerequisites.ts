// vitest's global setup: what every run of the suite needs from the machine, checked once before any test, so a
// newcomer missing one hears it in one plain message instead of dozens of failures minutes into the run.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BROWSER_NAMES, resolveBrowserPath } from '../../headless-worker/browsers.ts';
import { devImagesDir, sharedDir } from './paths.ts';
import { TEST_REDIS_URL } from './stores.ts';

function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379), timeout: 2_000 });
    const settle = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('timeout', () => settle(false));
  });
}

export default async function checkPrerequisites(): Promise<void> {
  const missing: string[] = [];
  if (!fs.existsSync(path.join(devImagesDir, 'labels.csv')))
    missing.push(
      `the dev images: no ${path.join(devImagesDir, 'labels.csv')} (looked for in ${sharedDir}: the shared folder beside the checkout, or SHARED_DIR)`,
    );
  for (const browser of BROWSER_NAMES) {
    try {
      resolveBrowserPath(browser);
    } catch (error) {
      missing.push((error as Error).message);
    }
  }
  if (!(await redisAnswers(TEST_REDIS_URL))) missing.push(`Redis: nothing answers at ${TEST_REDIS_URL} (start redis-server, or set TEST_REDIS_URL)`);
  if (missing.length > 0) throw new Error(`npm test needs (README, "Tests"):\n- ${missing.join('\n- ')}`);
}
