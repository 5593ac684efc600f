// close() must finish promptly whatever phase start() is in, even when Puppeteer never settles.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const launch = vi.hoisted(() => vi.fn());
vi.mock('puppeteer-core', () => ({ default: { launch } }));

const { HeadlessWorker, PROFILE_DIR_PREFIX, bounded } = await import('../headless-worker.ts');

const name = `close-test${process.pid}`;
const profileDirs = () => readdirSync(tmpdir()).filter((dir) => dir.startsWith(`${PROFILE_DIR_PREFIX}${name}-`));
const never = () => new Promise<never>(() => undefined);

/** A browser with no process of its own; `waitForTarget` is how its wait for the first tab behaves. */
function fakeBrowser(waitForTarget: () => Promise<unknown>) {
  return { process: () => null, connected: true, once: vi.fn(), waitForTarget: vi.fn(waitForTarget), close: vi.fn(async () => undefined) };
}

function newWorker() {
  return new HeadlessWorker({
    name,
    pageUrl: 'http://127.0.0.1:9/worker',
    browser: 'chromium',
    executablePath: '/usr/bin/chromium',
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 100,
    onStatus: () => undefined,
    onDeath: () => undefined,
  });
}

async function untilCalled(fn: ReturnType<typeof vi.fn>): Promise<void> {
  while (fn.mock.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Closes mid-start and checks that close and start both settle quickly and the profile is gone. */
async function closeMidStart(worker: ReturnType<typeof newWorker>, reached: ReturnType<typeof vi.fn>): Promise<void> {
  const starting = worker.start();
  starting.catch(() => undefined);
  await untilCalled(reached);
  expect(profileDirs()).toHaveLength(1);
  const startedAt = Date.now();
  await worker.close();
  expect(Date.now() - startedAt).toBeLessThan(1_000);
  await expect(starting).rejects.toThrow();
  expect(profileDirs()).toEqual([]);
}

describe('closing a worker that is still starting', () => {
  beforeEach(() => {
    launch.mockReset();
  });
  afterEach(() => {
    expect(profileDirs()).toEqual([]);
  });

  it('does not wait for a launch that never settles', async () => {
    launch.mockImplementation(never);
    await closeMidStart(newWorker(), launch);
  });

  it('does not wait for a first tab that never shows up after the browser was killed', async () => {
    const browser = fakeBrowser(never);
    launch.mockResolvedValue(browser);
    await closeMidStart(newWorker(), browser.waitForTarget);
    expect(browser.close).toHaveBeenCalled();
  });

  it('closes a browser whose launch completes only after close()', async () => {
    const browser = fakeBrowser(never);
    let finishLaunch!: (b: unknown) => void;
    launch.mockImplementation(() => new Promise((resolve) => (finishLaunch = resolve)));
    await closeMidStart(newWorker(), launch);
    finishLaunch(browser);
    await vi.waitFor(() => expect(browser.close).toHaveBeenCalled());
  });
});

describe('bounded', () => {
  it('passes results through', async () => {
    await expect(bounded(Promise.resolve(7), 'x', 1_000)).resolves.toBe(7);
  });

  it('rejects on timeout or abort, naming the step', async () => {
    await expect(bounded(never(), 'loading the page', 20)).rejects.toThrow('loading the page timed out after 20 ms');
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(new Error('stopping')), 10);
    await expect(bounded(never(), 'x', 10_000, aborted.signal)).rejects.toThrow('stopping');
  });
});
