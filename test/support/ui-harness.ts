// One real master (admin token set, a small upload limit) and one real browser (Chromium unless a
// file asks for Firefox) for a UI test file, and the checks every UI test ends with: nothing
// logged, failed or fetched from elsewhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { BrowserName } from '../../headless-worker/browsers.ts';
import type { Config } from '../../master/config.ts';
import { inApp, deepTexts, launchTestBrowser, openPage, type PageWatch } from './browser.ts';
import { devImages } from './paths.ts';
import { startTestMaster, type TestMaster } from './test-master.ts';

export const ADMIN_TOKEN = 'ui-test-admin-token';
/** Small enough that one of the dev images (209 kB) is refused with 413. */
export const MAX_UPLOAD_BYTES = 180_000;

export const smallImage = devImages().find((image) => image.file === 'ILSVRC2012_val_00000126.JPEG')!;
/** Three dev images within the upload limit. */
export const threeImages = devImages()
  .filter((image) => fs.statSync(image.path).size <= MAX_UPLOAD_BYTES)
  .slice(0, 3);
export const rows = (page: Page) => deepTexts(page, inApp('job-row'));
export const TOKEN_INPUT = inApp('job-board', 'admin-dialog', 'input[name=token]');

export async function replaceText(page: Page, selector: string, text: string) {
  await page.focus(selector);
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.type(text);
}

export interface UiHarness {
  readonly master: TestMaster;
  readonly browser: Browser;
  /** A temp folder for files the test makes. */
  readonly scratch: string;
  /** Opens a page of the app; the page is checked and closed after the test. */
  open(pathname: string, viewport?: 'desktop' | 'phone'): Promise<{ page: Page; watch: PageWatch }>;
  clearAllJobs(): Promise<void>;
}

/** Call at the top of a test file: starts the master (with `master` settings over the harness's) and one browser for all its tests. */
export function useUiHarness({
  browser: browserName = 'chromium',
  master: settings = {},
}: { browser?: BrowserName; master?: Partial<Record<keyof Config, unknown>> } = {}): UiHarness {
  let master: TestMaster;
  let browser: Browser;
  let opened: { page: Page; watch: PageWatch } | null = null;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-ui-'));

  beforeAll(async () => {
    master = await startTestMaster({ adminToken: ADMIN_TOKEN, maxUploadBytes: MAX_UPLOAD_BYTES, ...settings });
    browser = await launchTestBrowser(browserName);
  });

  afterAll(async () => {
    await browser?.close();
    await master?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  afterEach(async () => {
    if (!opened) return;
    const problems = opened.watch.take();
    await opened.page.close();
    opened = null;
    expect(problems).toEqual([]);
  });

  return {
    get master() {
      return master;
    },
    get browser() {
      return browser;
    },
    scratch,
    async open(pathname, viewport = 'desktop') {
      opened = await openPage(browser, master.url, pathname, viewport);
      return opened;
    },
    async clearAllJobs() {
      const response = await fetch(`${master.url}/api/jobs`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(response.status).toBe(200);
    },
  };
}
