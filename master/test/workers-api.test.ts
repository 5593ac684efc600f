// GET /api/workers on a master with hundreds of worker sockets: anyone may ask, so it answers a page at a time
// (MAX_WORKERS_PAGE), in the order the workers connected, and a walk from page to page lists each worker once, also
// while workers join and leave between its pages.
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import type { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import type { WorkerPage } from '../api-types.ts';

const grid = useSyntheticGrid();
const WORKERS = 300;
const MAX_PAGE = 120;

async function getPage(query: string): Promise<WorkerPage> {
  const response = await fetch(`${grid.master.url}/api/workers${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as WorkerPage;
}

/** Every page from `first` on, following nextCursor (a string until the last page), at MAX_PAGE a page. */
async function walk(first: WorkerPage): Promise<WorkerPage[]> {
  const pages = [first];
  for (let page = first; typeof page.nextCursor === 'string'; pages.push(page)) page = await getPage(`?limit=${MAX_PAGE}&cursor=${page.nextCursor}`);
  return pages;
}

async function connectWorkers(): Promise<SyntheticWorker[]> {
  // More sockets than one address may open by default: every worker here connects from 127.0.0.1.
  await grid.start({ maxConnectionsPerAddress: WORKERS + 50, maxWorkersPage: MAX_PAGE });
  const workers: SyntheticWorker[] = [];
  // One after another, so that the order they connected in is known.
  for (let i = 0; i < WORKERS; i++) workers.push(await grid.connect({ name: `worker-${i}`, record: false }));
  return workers;
}

describe('GET /api/workers with many workers', () => {
  it('answers pages of at most MAX_WORKERS_PAGE in the order they connected, each worker once, with the total', async () => {
    await connectWorkers();
    const pages = await walk(await getPage(`?limit=${MAX_PAGE}`));
    expect(pages.map((page) => page.workers.length)).toEqual([120, 120, 60]);
    expect(pages.map((page) => page.total)).toEqual([WORKERS, WORKERS, WORKERS]);
    const names = pages.flatMap((page) => page.workers.map((worker) => worker.name));
    expect(names).toEqual(Array.from({ length: WORKERS }, (_, i) => `worker-${i}`));
    expect(new Set(pages.flatMap((page) => page.workers.map((worker) => worker.id))).size).toBe(WORKERS);

    // Without a limit, 50 a page; more than MAX_WORKERS_PAGE is refused, as GET /api/jobs refuses past MAX_JOBS_PAGE.
    expect((await getPage('')).workers).toHaveLength(50);
    const tooMany = await fetch(`${grid.master.url}/api/workers?limit=${MAX_PAGE + 1}`);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toEqual({ error: { code: 'bad-limit', message: `limit must be a whole number from 1 to ${MAX_PAGE} (MAX_WORKERS_PAGE)` } });
    expect((await fetch(`${grid.master.url}/api/workers?cursor=x`)).status).toBe(400);
  });

  it('skips no worker when workers of a page already read leave before the next is asked for', async () => {
    const workers = await connectWorkers();
    const first = await getPage(`?limit=${MAX_PAGE}`);
    for (const worker of workers.slice(0, 30)) worker.terminate();
    await until(async () => (await getPage('?limit=1')).total === WORKERS - 30, 'the master to see 30 workers leave');

    const rest = (await walk(first)).slice(1);
    expect(rest.flatMap((page) => page.workers.map((worker) => worker.name))).toEqual(
      Array.from({ length: WORKERS - MAX_PAGE }, (_, i) => `worker-${MAX_PAGE + i}`),
    );
  });

  it('lists each worker once in a walk while workers join and leave between its pages', async () => {
    const byName = new Map((await connectWorkers()).map((worker, i) => [`worker-${i}`, worker]));
    const inOrder = [...byName.keys()];
    const leftUnlisted = new Set<string>();
    const seen: string[] = [];
    let page = await getPage(`?limit=${MAX_PAGE}`);
    for (;;) {
      seen.push(...page.workers.map((worker) => worker.name));
      if (page.nextCursor === null) break;
      // Ten already listed leave, ten not yet listed leave, ten new ones join (after every place already read).
      const present = [...byName.keys()];
      const lastListed = present.indexOf(seen.at(-1)!);
      const unlisted = present.slice(lastListed + 1, lastListed + 11);
      for (const name of [...present.slice(lastListed - 9, lastListed + 1), ...unlisted]) {
        byName.get(name)!.terminate();
        byName.delete(name);
      }
      for (const name of unlisted) leftUnlisted.add(name);
      for (let i = 0; i < 10; i++) {
        const name = `joined-${inOrder.length - WORKERS}`;
        byName.set(name, await grid.connect({ name, record: false }));
        inOrder.push(name);
      }
      await until(async () => (await getPage('?limit=1')).total === byName.size, 'the master to see 20 workers leave');
      page = await getPage(`?limit=${MAX_PAGE}&cursor=${page.nextCursor}`);
    }
    // In the order they connected, once each: every worker but those that left before their page was read.
    expect(seen).toEqual(inOrder.filter((name) => !leftUnlisted.has(name)));
    expect(seen.filter((name) => name.startsWith('joined-')).length).toBeGreaterThan(0);
  });
});
