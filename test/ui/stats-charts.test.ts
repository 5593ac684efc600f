// The stats page's charts on a master with no samples yet, in real Chromium: what their axes and latency cards say.
// The axes are drawn on a canvas, so the page's fillText calls are recorded (the last drawing of each canvas).
import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { deepTexts, inApp, PageWatch, VIEWPORTS, waitForTexts, type ViewportName } from '../support/browser.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

interface Label {
  text: string;
  x: number;
  y: number;
  width: number;
  align: string;
}

/** Keeps, per canvas, the texts drawn since it was last cleared. */
function recordCanvasTexts(): void {
  const drawn = new Map<HTMLCanvasElement, Label[]>();
  (window as unknown as { canvasTexts: () => Label[][] }).canvasTexts = () => [...drawn.values()];
  const proto = CanvasRenderingContext2D.prototype;
  const { clearRect, fillText } = proto;
  proto.clearRect = function (...args) {
    drawn.set(this.canvas, []);
    clearRect.apply(this, args);
  };
  proto.fillText = function (text, x, y, maxWidth) {
    const list = drawn.get(this.canvas) ?? [];
    drawn.set(this.canvas, list);
    list.push({ text, x, y, width: this.measureText(text).width, align: this.textAlign });
    fillText.call(this, text, x, y, maxWidth);
  };
}

async function openStats(viewport: ViewportName): Promise<{ page: Page; watch: PageWatch }> {
  const page = await ui.browser.newPage();
  await page.setViewport(VIEWPORTS[viewport]);
  const watch = new PageWatch(page, ui.master.url);
  await page.evaluateOnNewDocument(recordCanvasTexts);
  await page.goto(`${ui.master.url}/stats`, { waitUntil: 'domcontentloaded' });
  return { page, watch };
}

/** The labels of the first chart (throughput), once drawn: time along the bottom, rates up the side. */
async function throughputAxes(page: Page): Promise<{ time: Label[]; rate: Label[] }> {
  await page.waitForFunction(() => ((window as unknown as { canvasTexts: () => Label[][] }).canvasTexts()[0] ?? []).length > 0);
  const labels = await page.evaluate(() => (window as unknown as { canvasTexts: () => Label[][] }).canvasTexts()[0]!);
  return { time: labels.filter((label) => label.align === 'center'), rate: labels.filter((label) => label.align !== 'center') };
}

describe('stats charts on a master with no samples yet', () => {
  it('reads times along the bottom and evenly stepped rates up the side', async () => {
    const { page, watch } = await openStats('desktop');
    try {
      const { time, rate } = await throughputAxes(page);
      expect(time.length).toBeGreaterThan(0);
      // Neither years nor months: the chart spans minutes.
      expect(time.map(({ text }) => text).filter((text) => /^(\d{4}|[A-Z][a-z]{2})$/.test(text))).toEqual([]);
      // Evenly spaced ticks read evenly spaced numbers: 0.25 steps are not rounded to 0.3 and 0.8.
      const rates = rate.map(({ text }) => Number.parseFloat(text)).sort((a, b) => a - b);
      const steps = rates.slice(1).map((value, i) => value - rates[i]!);
      expect(steps.length).toBeGreaterThan(1);
      for (const step of steps) expect(step).toBeCloseTo(steps[0]!, 9);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('keeps the time labels apart at phone width', async () => {
    const { page, watch } = await openStats('phone');
    try {
      const { time } = await throughputAxes(page);
      for (const label of time) expect(label.text).toMatch(/^\d{1,2}:\d{2}(:\d{2})?(am|pm)$/);
      // No label reaches under the next one, even on another line.
      const spans = time.map((label) => [label.x - label.width / 2, label.x + label.width / 2] as const).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThan(spans[i - 1]![1]);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('says once on each latency card that no jobs finished yet', async () => {
    const { page, watch } = await openStats('desktop');
    try {
      const cards = await waitForTexts(page, inApp('stats-page', '.latency section'), (texts) => texts.length === 3, 'the latency cards');
      for (const card of cards) expect(card.match(/No (finished )?jobs yet/gi)).toHaveLength(1);
      expect(await deepTexts(page, inApp('stats-page', '.latency uplot-chart'))).toEqual([]);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
