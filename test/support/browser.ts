// Real Chromium or Firefox for UI tests and screenshot scripts: launch it, open the app at a viewport,
// watch the page for anything that went wrong, run axe-core, and reach into shadow roots.
import { createRequire } from 'node:module';
import type { Browser, ElementHandle, HTTPResponse, Page, Viewport } from 'puppeteer-core';
import { launchBrowser, resolveBrowserPath, type BrowserName } from '../../headless-worker/browsers.ts';

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 375, height: 812, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
} satisfies Record<string, Viewport>;
export type ViewportName = keyof typeof VIEWPORTS;

export function launchTestBrowser(browser: BrowserName = 'chromium'): Promise<Browser> {
  // Firefox over WebDriver BiDi; it does not throttle the only tab of a headless window.
  if (browser === 'firefox') return launchBrowser({ browser: 'firefox', executablePath: resolveBrowserPath('firefox'), headless: true });
  return launchBrowser({
    executablePath: resolveBrowserPath('chromium'),
    headless: true,
    // The same throttling opt-outs the fleet uses: a page in an unseen tab must keep running.
    args: ['--no-sandbox', '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
  });
}

/** A response or failed request the test caused on purpose (e.g. a 401 for a wrong token). */
export type Expected = (url: string, status: number | 'failed') => boolean;

/**
 * Everything a page did wrong: console errors, Chromium's DOM hints, uncaught exceptions, failed
 * requests, HTTP errors, and any request to a host other than the master.
 */
export class PageWatch {
  readonly problems: string[] = [];
  private expected: Expected[] = [];

  constructor(
    readonly page: Page,
    masterUrl: string,
  ) {
    const origin = new URL(masterUrl).origin;
    page.on('console', (message) => {
      // Chromium's hints about the page's markup (e.g. a password form without a username field).
      if (message.type() === 'verbose' && message.text().startsWith('[DOM]')) this.problems.push(`DOM hint: ${message.text()}`);
      if (message.type() !== 'error') return;
      // Chromium logs every HTTP error as a console error too; an expected one is no problem.
      const url = message.location().url ?? '';
      const status = /status of (\d{3})/.exec(message.text())?.[1];
      if (message.text().startsWith('Failed to load resource') && this.isExpected(url, status ? Number(status) : 'failed')) return;
      this.problems.push(`console error: ${message.text()} (${url})`);
    });
    page.on('pageerror', (error) => this.problems.push(`page error: ${error instanceof Error ? error.message : String(error)}`));
    page.on('request', (request) => {
      const url = request.url();
      // data: and blob: URLs never leave the browser (the favicon stub, upload previews).
      if (url.startsWith('data:') || url.startsWith('blob:')) return;
      if (new URL(url).origin !== origin) this.problems.push(`request to another host: ${url}`);
    });
    page.on('requestfailed', (request) => {
      const url = request.url();
      const reason = request.failure()?.errorText ?? 'failed';
      // Leaving a page cancels its image loads and its event stream: the browser's choice, not a fault
      // (Chromium calls it net::ERR_ABORTED, Firefox NS_BINDING_ABORTED).
      if ((reason === 'net::ERR_ABORTED' || reason === 'NS_BINDING_ABORTED') && (/\/api\/jobs\/[^/]+\/image$/.test(url) || url.endsWith('/api/events'))) return;
      if (!this.isExpected(url, 'failed')) this.problems.push(`request failed: ${request.method()} ${url} (${reason})`);
    });
    page.on('response', (response: HTTPResponse) => {
      const status = response.status();
      if (status >= 400 && !this.isExpected(response.url(), status)) {
        this.problems.push(`HTTP ${status}: ${response.request().method()} ${response.url()}`);
      }
    });
  }

  /** Allows responses or failures that the test provokes itself. */
  expect(expected: Expected): void {
    this.expected.push(expected);
  }

  /** Returns the problems so far and starts afresh. */
  take(): string[] {
    return this.problems.splice(0);
  }

  private isExpected(url: string, status: number | 'failed'): boolean {
    return this.expected.some((expected) => expected(url, status));
  }
}

export interface OpenedPage {
  page: Page;
  watch: PageWatch;
}

/** A new tab at the given viewport, watched from its first request. */
export async function openPage(browser: Browser, masterUrl: string, path: string, viewport: ViewportName = 'desktop'): Promise<OpenedPage> {
  const page = await browser.newPage();
  await page.setViewport(VIEWPORTS[viewport]);
  const watch = new PageWatch(page, masterUrl);
  await page.goto(new URL(path, masterUrl).toString(), { waitUntil: 'domcontentloaded' });
  return { page, watch };
}

const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** axe-core's serious and critical violations on the page as it is now (shadow roots included). */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    interface AxeViolation {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: unknown[] }[];
    }
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? 'unknown',
      help: violation.help,
      targets: violation.nodes.map((node) => JSON.stringify(node.target)),
    }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** `app-shell >>> a >>> b`: a selector that pierces the app's shadow roots (puppeteer's ">>>"). */
export const inApp = (...parts: string[]) => ['app-shell', ...parts].join(' >>> ');

/** The text of every element matching a puppeteer selector, shadow roots included, whitespace collapsed. */
export async function deepTexts(page: Page, selector: string): Promise<string[]> {
  const handles = await page.$$(selector);
  try {
    return await Promise.all(
      handles.map((handle) =>
        // No inner named functions: tsx's keepNames would wrap them in a helper the page lacks.
        handle.evaluate((element) => {
          const parts: string[] = [];
          const stack: Array<Node | string> = [element];
          while (stack.length > 0) {
            const node = stack.pop()!;
            if (typeof node === 'string') parts.push(node);
            else if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? '');
            else if (node.nodeType === Node.ELEMENT_NODE && !['STYLE', 'SCRIPT'].includes((node as Element).tagName)) {
              const children = [...((node as Element).shadowRoot ?? node).childNodes];
              stack.push(' ', ...children.reverse());
            }
          }
          return parts.join('').replace(/\s+/g, ' ').trim();
        }),
      ),
    );
  } finally {
    await Promise.all(handles.map((handle) => handle.dispose()));
  }
}

/** Waits until `predicate` holds for the texts of the elements matching `selector`. */
export async function waitForTexts(page: Page, selector: string, predicate: (texts: string[]) => boolean, what: string, timeoutMs = 30_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  let texts: string[] = [];
  while (Date.now() < end) {
    texts = await deepTexts(page, selector);
    if (predicate(texts)) return texts;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last saw ${JSON.stringify(texts).slice(0, 500)}`);
}

/**
 * Waits for an element, by polling. page.waitForSelector with a `>>>` deep selector looks again only when the
 * page's top-level DOM changes, so an element that appears later inside a shadow root may never be seen: that
 * was the cause of UI tests that sometimes "did not render" within 30 s.
 */
export async function waitForElement(page: Page, selector: string, what = selector, timeoutMs = 30_000): Promise<ElementHandle> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const element = await page.$(selector);
    if (element) return element;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Clicks the first element matching a selector once it is there. */
export async function clickDeep(page: Page, selector: string): Promise<void> {
  await (await waitForElement(page, selector, selector, 15_000)).click();
}

/** Waits for the images in view (shadow roots included; lazy ones below stay unloaded) to load, then for paint. */
export async function settleForScreenshot(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const pending: Element[] = [];
      const roots: Array<Document | ShadowRoot> = [document];
      while (roots.length > 0) {
        const root = roots.pop()!;
        for (const element of root.querySelectorAll('*')) {
          if (element instanceof HTMLImageElement && !element.hidden && !element.complete && element.getBoundingClientRect().top < innerHeight) {
            pending.push(element);
          }
          if (element.shadowRoot) roots.push(element.shadowRoot);
        }
      }
      return pending.length === 0;
    },
    { timeout: timeoutMs, polling: 100 },
  );
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}
