// A browser profile that cannot be removed (a file still busy, a permission) is left behind and said: the worker
// is relaunched as after any browser life, and the fleet keeps running (it once died of the unhandled rejection).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, expect, it, vi } from 'vitest';
import { startFleet } from '../fleet.ts';
import { freePort } from '../../test/support/free-port.ts';
import { until } from '../../test/support/jobs-client.ts';

const browsersTmpdir = mkdtempSync(join(tmpdir(), 'grid-cleanup-'));
const savedTmpdir = process.env.TMPDIR;
process.env.TMPDIR = browsersTmpdir;

// The first removal of a profile fails as a busy file would; the later ones are real.
vi.mock('node:fs/promises', async (actual) => {
  const real = await actual<typeof import('node:fs/promises')>();
  let failed = false;
  const rm: typeof real.rm = async (path, options) => {
    if (!failed && String(path).startsWith(browsersTmpdir)) {
      failed = true;
      throw Object.assign(new Error(`EBUSY: resource busy or locked, rmdir '${String(path)}'`), { code: 'EBUSY' });
    }
    return real.rm(path, options);
  };
  return { ...real, default: { ...real, rm }, rm };
});

afterAll(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(browsersTmpdir, { recursive: true, force: true });
});

it('relaunches a worker whose last profile could not be removed, and says so', async () => {
  const lines: string[] = [];
  const fleet = startFleet({
    // No master there: every browser life ends at once, and its profile is removed.
    masterUrl: `http://127.0.0.1:${await freePort()}`,
    workers: 1,
    namePrefix: `cleanup${process.pid}`,
    logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }),
    pollIntervalMs: 100,
    restartPolicy: { backoff: { initialMs: 100, maxMs: 100 } },
  });
  try {
    await until(() => fleet.workers[0]!.status().restarts >= 2, 'two relaunches', 60_000);
    expect(lines.join('')).toContain('could not clean up after the browser: EBUSY');
  } finally {
    await fleet.stop();
  }
}, 90_000);
