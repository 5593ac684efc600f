// Runs real Chromium (/usr/bin/chromium or CHROMIUM_PATH) and Firefox (/usr/bin/firefox-esr or FIREFOX_PATH)
// against a stand-in worker page.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type FleetOptions, type FleetWorker } from '../fleet.ts';
import { PROFILE_DIR_PREFIX } from '../headless-worker.ts';

// Becomes ready shortly after loading, like the real worker page once its model is warm;
// workers with "broken" in their name report an error instead, and those with "hung" stop answering.
const WORKER_PAGE = `<!doctype html><script>
  const name = new URLSearchParams(location.search).get('name');
  const broken = name.includes('broken');
  window.__gridWorker = { state: 'loading', jobsDone: 0, jobsFailed: 0 };
  if (name.includes('hung')) setTimeout(() => { for (;;); }, 200);
  setTimeout(() => {
    window.__gridWorker = broken
      ? { state: 'error', jobsDone: 0, jobsFailed: 0, lastError: 'model failed to load' }
      : { state: 'ready', backend: 'wasm', backendReason: 'test page', jobsDone: 3, jobsFailed: 0, msPerImage: 42, modelHash: 'test' };
    document.documentElement.dataset.workerState = window.__gridWorker.state;
  }, 200);
</script>`;

const namePrefix = `test${process.pid}`;
const requestedUrls: URL[] = [];
const logLines: string[] = [];
let server: Server;
let masterUrl: string;

function launch(options: Partial<FleetOptions>): Fleet {
  return startFleet({
    masterUrl,
    workers: 1,
    namePrefix,
    logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
    pollIntervalMs: 100,
    restartPolicy: { backoff: { initialMs: 200, maxMs: 1_000 }, errorGraceMs: 300, silentPageMs: 2_000 },
    ...options,
  });
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Live (non-zombie) processes, with their process group and command line. */
function liveProcesses(): { pid: number; pgid: number; args: string }[] {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/))
    .filter((match): match is RegExpMatchArray => match !== null && !match[3]!.startsWith('Z'))
    .map((match) => ({ pid: Number(match[1]), pgid: Number(match[2]), args: match[4]! }));
}

/** Every browser the fleets launched, as logged by them. */
function launchedBrowserPids(): Set<number> {
  const pids = logLines.map((line) => (JSON.parse(line) as { browserPid?: number }).browserPid);
  return new Set(pids.filter((pid) => pid !== undefined));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/worker') return void response.writeHead(404).end();
    requestedUrls.push(url);
    response.writeHead(200, { 'content-type': 'text/html' }).end(WORKER_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  masterUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  // Chromium helpers killed with their browser may stay as zombies where init does not reap them; those hold nothing.
  const browserPids = launchedBrowserPids();
  expect(browserPids.size).toBeGreaterThanOrEqual(7);
  const leftovers = () => liveProcesses().filter((p) => browserPids.has(p.pgid) || p.args.includes(`${PROFILE_DIR_PREFIX}${namePrefix}`));
  // A process group just sent SIGKILL takes a moment to be gone from the process table.
  for (let waited = 0; leftovers().length > 0 && waited < 3_000; waited += 100) await sleep(100);
  expect(leftovers()).toEqual([]);
  expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`${PROFILE_DIR_PREFIX}${namePrefix}`))).toEqual([]);
});

describe('a fleet of real headless workers', () => {
  it('gets ready, relaunches killed browsers and crashed pages, then stops cleanly', async () => {
    const fleet = launch({ workers: 2 });
    try {
      await fleet.waitUntilReady(30_000);
      expect(fleet.workers.map((w) => w.status())).toMatchObject([
        { name: `${namePrefix}-1`, state: 'ready', backend: 'wasm', jobsDone: 3, msPerImage: 42, restarts: 0 },
        { name: `${namePrefix}-2`, state: 'ready', backend: 'wasm', restarts: 0 },
      ]);
      expect(requestedUrls.map((url) => Object.fromEntries(url.searchParams))).toEqual(
        expect.arrayContaining([
          { autostart: '1', kind: 'headless', name: `${namePrefix}-1` },
          { autostart: '1', kind: 'headless', name: `${namePrefix}-2` },
        ]),
      );

      // kill -9 the first browser.
      const [first, second] = fleet.workers as [FleetWorker, FleetWorker];
      const killedPid = first.pid;
      first.kill();
      await until(() => first.status().restarts === 1, 15_000, 'the killed browser to be relaunched');
      await fleet.waitUntilReady(30_000);
      expect(killedPid).toBeDefined();
      expect(first.pid).not.toBe(killedPid);
      expect(second.status().restarts).toBe(0);
      expect(logLines.join('')).toContain('worker lost: browser disconnected');

      // Crash the second worker's page by killing its renderers.
      const renderers = liveProcesses().filter((p) => p.pgid === second.pid && p.args.includes('--type=renderer'));
      expect(renderers.length).toBeGreaterThan(0);
      for (const renderer of renderers) process.kill(renderer.pid, 'SIGKILL');
      await until(() => second.status().restarts === 1, 15_000, 'the crashed page to be relaunched');
      await fleet.waitUntilReady(30_000);
      expect(logLines.join('')).toContain('worker lost: page crashed');
    } finally {
      await fleet.stop();
    }
    expect(fleet.workers.map((w) => w.status().state)).toEqual(['closed', 'closed']);
  }, 60_000);

  it('relaunches a worker whose page stays in the error state', async () => {
    const fleet = launch({ namePrefix: `${namePrefix}-broken` });
    try {
      // For that reason: on a loaded machine a launch may fail first, and is relaunched too.
      const relaunchedForIt = () => fleet.workers[0]!.status().restarts >= 1 && logLines.join('').includes("worker lost: page stuck in 'error'");
      await until(relaunchedForIt, 20_000, 'the erroring worker to be relaunched for its error');
      // Whichever part of its cycle it is in (its relaunched page reports 'loading' before 'error'), never ready.
      await expect(fleet.waitUntilReady(300)).rejects.toThrow(/broken-1 is (loading|error|launching|waiting-to-restart) \(.*restart\(s\)/);
    } finally {
      await fleet.stop();
    }
  }, 30_000);

  it('relaunches a worker whose page stops answering, and says why it is not ready', async () => {
    const fleet = launch({ namePrefix: `${namePrefix}-hung` });
    try {
      await until(() => fleet.workers[0]!.status().restarts >= 1, 20_000, 'the hung worker to be relaunched');
      expect(logLines.join('')).toMatch(/worker lost: page silent for \d+ s/);
      await expect(fleet.waitUntilReady(300)).rejects.toThrow(/hung-1 is \w+ \(.*restart\(s\), last: worker lost: page silent/);
    } finally {
      await fleet.stop();
    }
  }, 30_000);

  it('runs Firefox too: ready, relaunched when killed, and gone without a trace when stopped', async () => {
    const fleet = launch({ browser: 'firefox', namePrefix: `${namePrefix}-firefox` });
    try {
      await fleet.waitUntilReady(60_000);
      const [worker] = fleet.workers as [FleetWorker];
      expect(worker.status()).toMatchObject({ name: `${namePrefix}-firefox-1`, browser: 'firefox', state: 'ready', backend: 'wasm', restarts: 0 });
      const killedPid = worker.pid;
      worker.kill();
      await until(() => worker.status().restarts === 1, 20_000, 'the killed Firefox to be relaunched');
      await fleet.waitUntilReady(60_000);
      expect(worker.pid).not.toBe(killedPid);
    } finally {
      await fleet.stop();
    }
    expect(fleet.workers[0]!.status().state).toBe('closed');
  }, 150_000);
});
