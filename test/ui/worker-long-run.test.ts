// The worker page in real headless Chromium against a real master, left working through rounds of jobs with the hostile
// cases mixed in: jobs the master cancels while the page holds them (one mid-inference, its decode held), a socket that
// goes while a job is in flight (every other round), and an image no browser can decode. A volunteer may leave the tab
// open for days, so nothing the page holds may grow with the jobs: what it holds after the warm-up (two rounds, each
// case met once) it holds, within a small slack, after the guarded rounds.
//
// Bounds, not equalities: a few DOM nodes and timers follow the page's last state, not how long it ran (what it shows
// after the round's last events, a line such as the last problem being 4 nodes; a render or two waiting its turn), and
// the test this replaces, which asked for the same counts, failed on 941 DOM nodes against 937. Each slack is far below
// what one item leaked a job would add over the guarded rounds (GUARDED_JOBS: 6 rounds of 24 jobs, 144, 120 of them
// classified and answered). Checked by leaking one tensor, DOM node, listener, timer, image or 8 KB object a job in the
// page: each fails here.
import type { Browser, CDPSession, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFleetToken } from '../../headless-worker/headless-worker.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { launchTestBrowser } from '../support/browser.ts';
import { settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { instrumentPage, measurePage, type PageResources } from '../support/page-resources.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../support/test-master.ts';

const ADMIN_TOKEN = 'long-run-admin-token';
/** Rounds before the first measure: the second closes the socket, so each case has been met once. */
const WARM_UP_ROUNDS = 2;
/** Rounds between the two measures. More would lengthen the test: the reconnect backoff grows with each close. */
const GUARDED_ROUNDS = 6;
const GOOD_PER_ROUND = 20;
const CANCELLED_PER_ROUND = 3;
/** The jobs between the two measures: the good, the cancelled and the undecodable one of each guarded round. */
const GUARDED_JOBS = GUARDED_ROUNDS * (GOOD_PER_ROUND + CANCELLED_PER_ROUND + 1);
const MiB = 1024 * 1024;
/**
 * How far each count may move from its value after the warm-up. Seen over 40 rounds (the audit, the threaded WASM
 * build then): tensors 106, the WebAssembly memory 60.4 MB, listeners constant, the JS heap after a full GC 5.26 to
 * 5.45 MB (V8's compiled code and Chromium's own bounded timeline buffers, growth that slows to nothing); over 8 and 14
 * rounds here: DOM nodes 930-941 (at most 4 apart within a run), timers 3-6, 2 documents, the workers (the image
 * decoder, and 8 more with the threaded build, from 4 cores), the decoder's heap and the page's array buffers within
 * bytes of the warm-up's. One item leaked a job would add GUARDED_JOBS (144) to a count, 120 at the least.
 */
const SLACK = {
  /** The page's last state moves it by a few; a node a job is 144. */
  nodes: 20,
  /** Seen constant; a listener a job is 144. */
  listeners: 5,
  /** A handful at any time (the socket's silence timer, a render or two waiting their turn); a timer a job is 144. */
  timers: 6,
  documents: 1,
  /** The image decoder, restarted should it die. */
  workers: 1,
  /** Grew 0.12 MB over these rounds, 0.19 MB over 40: 1 MiB is 7 KB or more held a job (2 MiB let an 8 KB one by). */
  heapBytes: 1 * MiB,
  /** Seen within 30 bytes: 256 KiB is under 2 KB held a job, less than the image a job brings. */
  backingBytes: 256 * 1024,
  /** Seen within bytes of the warm-up's. */
  workerHeapBytes: 512 * 1024,
  /**
   * It only grows, to the most the backend has held at once: the same allocations job after job, reached in the
   * warm-up. Emscripten grows it by a fifth (12 MB here) at the least, so this says it did not grow; a 224 × 224 × 3
   * float input left a job is 602 kB, 72 MB over the guarded jobs (and the tensor count shows it first).
   */
  wasmBytes: 4 * MiB,
};
/** JPEG's first bytes, then nothing an image decoder can read. */
const UNDECODABLE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]);

let master: TestMaster;
let browser: Browser;
let page: Page;
let cdp: CDPSession;

beforeAll(async () => {
  master = await startTestMaster({ adminToken: ADMIN_TOKEN });
  browser = await launchTestBrowser('chromium');
  page = await browser.newPage();
  await instrumentPage(page);
  // The fleet's page: trusted, so each job is classified once, and one lost with a socket comes back to it.
  await page.goto(withFleetToken(`${master.url}/worker?autostart=1&kind=headless&name=long-run`, TEST_FLEET_TOKEN), { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.__gridWorker?.state === 'ready', { timeout: 90_000 });
  cdp = await page.createCDPSession();
});

afterAll(async () => {
  await browser?.close();
  await master?.close();
});

const images = devImages(200).slice(0, 100);
const imagesFor = (round: number, count: number) => Array.from({ length: count }, (_, i) => images[(round * count + i) % images.length]!.path);
const inPage = <T>(read: () => T) => page.evaluate(read);

/** One round: jobs cancelled while the page holds them, good jobs (the socket closed under them on odd rounds), an undecodable one. */
async function round(index: number): Promise<void> {
  const cancels = await inPage(() => window.__resources!.cancels());
  await inPage(() => window.__resources!.holdDecodes());
  const doomed = await submit(master.url, uploadsFrom(imagesFor(index, CANCELLED_PER_ROUND)));
  await until(async () => (await inPage(() => window.__resources!.heldDecodes())) > 0, 'a job held mid-inference');
  for (const id of doomed) await fetch(`${master.url}/api/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await until(async () => (await inPage(() => window.__resources!.cancels())) > cancels, 'the cancel at the page');
  const good = await submit(master.url, uploadsFrom(imagesFor(index, GOOD_PER_ROUND)));
  if (index % 2 === 1) await inPage(() => window.__resources!.closeSocket());
  await inPage(() => window.__resources!.releaseDecodes());
  const bad = (await master.lifecycle.submit([newJob('broken.jpg', 'image/jpeg', UNDECODABLE)])).jobs.map((job) => job.id);
  await settled(master.url, [...good, ...bad], 120_000);
  await until(async () => (await inPage(() => window.__gridWorker!.state)) === 'ready', 'the page working again', 30_000);
}

/** The page's Done count on screen: once it shows the runtime's, the page has rendered the round. */
const shownDone = () =>
  inPage(() => {
    const worker = document.querySelector('app-shell')!.shadowRoot!.querySelector('worker-page')!.shadowRoot!;
    const done = [...worker.querySelectorAll('dt')].find((term) => term.textContent === 'Done')!.nextElementSibling!.textContent!;
    return Number(done.replace(/\D/g, ''));
  });

async function measured(): Promise<PageResources> {
  const done = await inPage(() => window.__gridWorker!.jobsDone);
  await until(async () => (await shownDone()) === done, 'the page to render the round');
  return measurePage(page, cdp);
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** `late` within `slack` of `warm` either way (a count), or at most `slack` above it (bytes, which a GC may lower). */
function expectNear(what: string, late: number, warm: number, slack: number, oneWay = false): void {
  const message = `${what}: ${late} after the guarded rounds against ${warm} after the warm-up (slack ${slack})`;
  expect(late, message).toBeLessThanOrEqual(warm + slack);
  if (!oneWay) expect(late, message).toBeGreaterThanOrEqual(warm - slack);
}

describe('the worker page left working', () => {
  it('holds no more after many rounds of jobs, hostile ones among them, than after the warm-up', { timeout: 300_000 }, async () => {
    let index = 0;
    while (index < WARM_UP_ROUNDS) await round(index++);
    const warm = await measured();
    while (index < WARM_UP_ROUNDS + GUARDED_ROUNDS) await round(index++);
    const late = await measured();
    console.log(`worker page after the warm-up and after ${GUARDED_JOBS} jobs more:`, JSON.stringify({ warm, late }));

    expect(await inPage(() => window.__gridWorker!.jobsDone)).toBeGreaterThanOrEqual(index * GOOD_PER_ROUND);
    // Freed at every job's end (tf.tidy, then the logits disposed before the answer goes), and no job is in flight at
    // a measure: the same count, exactly.
    expect(late.tensors, 'live tensors').toBe(warm.tensors);
    // Closed at every job's end, classified, failed or cancelled.
    expect(late.openBitmaps, 'ImageBitmaps not closed').toBe(0);
    expectNear('DOM nodes', late.nodes, warm.nodes, SLACK.nodes);
    expectNear('event listeners', late.jsEventListeners, warm.jsEventListeners, SLACK.listeners);
    expectNear('timers', late.timers, warm.timers, SLACK.timers);
    expectNear('documents', late.documents, warm.documents, SLACK.documents);
    expectNear('workers', late.workers, warm.workers, SLACK.workers);
    expectNear('JS heap bytes after a full GC', late.heapBytes, warm.heapBytes, SLACK.heapBytes, true);
    expectNear('array buffer bytes', late.backingBytes, warm.backingBytes, SLACK.backingBytes, true);
    expectNear("workers' heap bytes", sum(late.workerHeapBytes), sum(warm.workerHeapBytes), SLACK.workerHeapBytes, true);
    expectNear('WebAssembly memory bytes', sum(late.wasmBytes), sum(warm.wasmBytes), SLACK.wasmBytes, true);
    // Each slack is far below what one item leaked a job would add.
    for (const slack of [SLACK.nodes, SLACK.listeners, SLACK.timers, SLACK.documents, SLACK.workers]) expect(slack * 5).toBeLessThan(GUARDED_JOBS);
  });
});
