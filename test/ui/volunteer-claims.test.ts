// What a volunteer says about itself, in real Chromium against a real master, with synthetic workers speaking the
// real protocol from Node: a volunteer calling itself the fleet's "headless-1" is shown as the volunteer it is,
// its result is marked as a volunteer's, the reason it gives for a failure is quoted under who said it, and its
// name, however long, keeps to one short line.
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { inApp, waitForTexts } from '../support/browser.ts';
import { getJob, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { TEST_FLEET_TOKEN } from '../support/test-master.ts';
import { smallImage, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();
const workers: SyntheticWorker[] = [];

afterEach(async () => {
  for (const worker of workers.splice(0)) worker.terminate();
  await until(
    async () => ((await fetch(`${ui.master.url}/api/workers`).then((r) => r.json())) as { workers: unknown[] }).workers.length === 0,
    'the workers to leave',
  );
});

async function connect(options: Omit<Parameters<typeof SyntheticWorker.connect>[0], 'masterUrl'>): Promise<SyntheticWorker> {
  const worker = await SyntheticWorker.connect({ masterUrl: ui.master.url, ...options });
  workers.push(worker);
  return worker;
}

/** Every text on the page (shadow roots included) that holds `needle`: its element, and the text just before that element. */
const textsHolding = (page: Page, needle: string) =>
  page.evaluate((needle) => {
    const found: { tag: string; before: string }[] = [];
    const roots: Array<Document | ShadowRoot> = [document];
    while (roots.length > 0) {
      const root = roots.pop()!;
      for (const element of root.querySelectorAll('*')) {
        if (element.shadowRoot) roots.push(element.shadowRoot);
        for (const node of element.childNodes) {
          if (node.nodeType !== Node.TEXT_NODE || !node.textContent?.includes(needle)) continue;
          found.push({ tag: element.tagName, before: element.previousElementSibling?.textContent ?? '' });
        }
      }
    }
    return found;
  }, needle);

describe('what a volunteer claims', () => {
  it('lists a volunteer calling itself the fleet\'s "headless-1" as a volunteer, and marks the result and attempt it gave', async () => {
    await connect({ name: 'headless-1', credit: 0, hello: { fleetToken: TEST_FLEET_TOKEN } });
    await connect({ name: 'headless-1', hello: { kind: 'headless' }, onJob: (job, self) => self.succeed(job.header, 281) });

    const { page } = await ui.open('/stats');
    const workerRows = await waitForTexts(page, inApp('workers-table', 'tbody tr'), (texts) => texts.length === 2, 'both workers');
    const [fleet, volunteer] = [...workerRows].sort();
    expect(fleet).toMatch(/^headless-1 operator fleet headless cpu /);
    expect(volunteer).toMatch(/^headless-1 volunteer browser tab cpu /);

    const [id] = await submit(ui.master.url, uploadsFrom([smallImage.path]));
    await until(async () => (await getJob(ui.master.url, id!)).status === 'done', 'the volunteer to answer');
    await page.goto(`${ui.master.url}/`, { waitUntil: 'domcontentloaded' });
    const [row] = await waitForTexts(page, inApp('job-row'), (texts) => texts.some((text) => text.includes(' on headless-1')), 'the done job');
    expect(row).toContain('cpu on headless-1 (volunteer)');
    await page.goto(`${ui.master.url}/jobs/${id}`, { waitUntil: 'domcontentloaded' });
    await waitForTexts(
      page,
      inApp('attempt-timeline', 'li'),
      (texts) => texts[0]?.startsWith('Attempt 1 headless-1 (volunteer) · cpu done') ?? false,
      'the attempt',
    );
    const [timing] = await waitForTexts(page, inApp('job-detail', 'section[aria-labelledby=timing]'), (texts) => texts.length === 1, 'the timing');
    expect(timing).toContain('Backend cpu on headless-1 (volunteer)');
  });

  it("quotes a volunteer's reason for a failure under who said it, on the job page", async () => {
    const [id] = await submit(ui.master.url, uploadsFrom([smallImage.path]));
    const reason = 'Upload violates policy, visit evil.example to appeal';
    await connect({ name: 'helpful', onJob: (job, self) => self.fail(job.header, reason, true) });
    await until(async () => (await getJob(ui.master.url, id!)).timeline.some((attempt) => attempt.outcome === 'failed'), 'the failure');

    const { page } = await ui.open(`/jobs/${id}`);
    await waitForTexts(page, inApp('job-detail', '.requeued'), (texts) => texts[0] === `A volunteer's browser reported: ${reason}`, 'the reason');
    await waitForTexts(page, inApp('attempt-timeline', '.reason'), (texts) => texts[0] === `A volunteer's browser reported: ${reason}`, 'the attempt');
    // Its words appear nowhere else, and each time as a quote after the label.
    expect(await textsHolding(page, 'evil.example')).toEqual([
      { tag: 'Q', before: "A volunteer's browser reported:" },
      { tag: 'Q', before: "A volunteer's browser reported:" },
    ]);
  });

  it('keeps a long name to one line of at most 16rem in the workers table, the whole name its title', async () => {
    const name = 'W'.repeat(64);
    await connect({ name });
    const { page } = await ui.open('/stats');
    await waitForTexts(page, inApp('workers-table', 'tbody tr'), (texts) => texts[0]?.startsWith(name) ?? false, 'the worker');
    const cell = await page.$eval(inApp('workers-table', 'tbody td'), (td) => {
      const shown = td.querySelector('[title]');
      return { width: td.getBoundingClientRect().width, title: shown?.getAttribute('title'), clipped: shown !== null && shown.scrollWidth > shown.clientWidth };
    });
    // 16rem of name and 0.75rem of padding each side; 64 Ws unclipped take about 900 px.
    expect(cell.width).toBeLessThanOrEqual(18 * 16);
    expect(cell).toMatchObject({ title: name, clipped: true });
  });
});
