// The master's own disk failing under an upload (full, read-only, a folder of
// DATA_DIR broken): the client gets a 5xx it may retry, in plain words, never a
// 4xx blaming its request, and nothing is half stored. And what a master killed
// mid-upload leaves on that disk goes while the others run, not at a restart.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileImageStore } from '../images/file-image-store.ts';
import { incomingDir } from '../http/upload.ts';
import { startMaster } from '../server.ts';
import { makeConfig } from '../config.ts';
import { capturedLog } from '../../test/support/captured-log.ts';
import { until } from '../../test/support/jobs-client.ts';
import { devImages, defaultModelDir } from '../../test/support/paths.ts';
import { SlowPreparer } from '../../test/support/slow-preparer.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../../test/support/test-master.ts';

const jpeg = fs.readFileSync(devImages(1)[0]!.path);

function fetchUpload(url: string): Promise<Response> {
  const data = new FormData();
  data.append('image', new Blob([new Uint8Array(jpeg)]), 'cat.jpg');
  return fetch(`${url}/api/jobs`, { method: 'POST', body: data });
}

async function upload(url: string) {
  const response = await fetchUpload(url);
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as { error: { code: string; message: string } },
  };
}

/** A folder replaced by a plain file: no write under it succeeds, even for root (for whom chmod stops nothing). */
function breakFolder(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.writeFileSync(dir, 'not a folder');
}

let master: TestMaster | undefined;
afterEach(async () => {
  await master?.close();
  if (master) fs.rmSync(master.dataDir, { recursive: true, force: true });
  master = undefined;
});

describe('an upload the master cannot write', () => {
  const storedJobs = async (m: TestMaster) => Object.values(await m.store.counts()).reduce((sum, count) => sum + count, 0);

  it('answers 503 storage-unavailable, logged once, when the incoming folder cannot be written', async () => {
    const { log, lines } = capturedLog();
    const dataDir = tempDataDir();
    const config = makeConfig({ port: 0, host: '127.0.0.1', modelDir: defaultModelDir, dataDir });
    const started = await startMaster(config, log);
    master = { ...started, config, dataDir };
    breakFolder(incomingDir(dataDir));

    const answer = await upload(master.url);
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toBe('30');
    expect(answer.body.error.code).toBe('storage-unavailable');
    expect(answer.body.error.message).toMatch(/cannot use its own storage just now \(.*\): nothing was changed/);
    expect(await storedJobs(master)).toBe(0);
    expect(fs.readdirSync(path.join(dataDir, 'images'))).toEqual([]);
    expect(lines.filter((line) => line.level >= 50 && line.msg === 'storage unavailable')).toHaveLength(1);
  });

  it('answers 503 storage-unavailable when the images folder cannot be written, leaving no job and no file', async () => {
    master = await startTestMaster();
    breakFolder(path.join(master.dataDir, 'images'));

    const answer = await upload(master.url);
    expect(answer).toMatchObject({ status: 503, retryAfter: '30', body: { error: { code: 'storage-unavailable' } } });
    expect(await storedJobs(master)).toBe(0);
    const incoming = incomingDir(master.dataDir);
    await until(() => fs.readdirSync(incoming).length === 0, 'the upload to be deleted from the incoming folder');
  });

  it('answers 503 storage-unavailable (disk I/O error) when the disk fails a write with EIO', async () => {
    master = await startTestMaster();
    // A failing disk: fdatasync or rename of the image answers EIO (no way to make a real one here).
    const failing = vi.spyOn(FileImageStore.prototype, 'put').mockRejectedValue(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    try {
      const answer = await upload(master.url);
      expect(answer).toMatchObject({ status: 503, retryAfter: '30', body: { error: { code: 'storage-unavailable' } } });
      expect(answer.body.error.message).toContain('disk I/O error');
    } finally {
      failing.mockRestore();
    }
    expect(await storedJobs(master)).toBe(0);
  });

  it('answers 503 storage-unavailable when the database cannot be written at commit, and removes the images it had put', async () => {
    master = await startTestMaster();
    // The database turned read-only under the master (as on a file system remounted read-only): SQLITE_READONLY.
    const db = (master.store as unknown as { db: Database.Database }).db;
    db.pragma('query_only = ON');

    const answer = await upload(master.url);
    expect(answer).toMatchObject({ status: 503, retryAfter: '30', body: { error: { code: 'storage-unavailable' } } });
    expect(answer.body.error.message).toContain('database read-only');
    db.pragma('query_only = OFF');
    expect(await storedJobs(master)).toBe(0);
    expect(fs.readdirSync(path.join(master.dataDir, 'images'))).toEqual([]);
  });

  it('answers 503 storage-unavailable (disk full) when the database has no room left, and keeps only the jobs it stored', async () => {
    master = await startTestMaster();
    // The database may not grow by a page (as on a full disk): uploads fit in its free room, then SQLITE_FULL.
    const db = (master.store as unknown as { db: Database.Database }).db;
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const images = () => fs.readdirSync(path.join(master!.dataDir, 'images')).length;

    let stored = 0;
    let imagesOfStored = 0;
    let answer = await upload(master.url);
    while (answer.status === 201 && stored < 1_000) {
      stored++;
      imagesOfStored = images();
      answer = await upload(master.url);
    }
    expect(answer).toMatchObject({ status: 503, retryAfter: '30', body: { error: { code: 'storage-unavailable' } } });
    expect(answer.body.error.message).toContain('disk full');
    expect(await storedJobs(master)).toBe(stored);
    expect(images()).toBe(imagesOfStored);
  });
});

describe('files a master killed mid-upload left in the incoming folder', () => {
  it('are never those of an upload still being checked, however long after REQUEST_TIMEOUT_MS its files arrived', async () => {
    // Two images, each checked 1.5 s late: they outlast a sweep every REQUEST_TIMEOUT_MS (1 s).
    master = await startTestMaster({ requestTimeoutMs: 1_000, headersTimeoutMs: 500 }, { preparer: new SlowPreparer() });
    const data = new FormData();
    for (const name of ['first.jpg', 'second.jpg']) data.append('image', new Blob([new Uint8Array(jpeg)]), name);
    const response = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: data });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(((await response.json()) as { jobs: unknown[] }).jobs).toHaveLength(2);
  });

  it('are swept while the master runs, once older than REQUEST_TIMEOUT_MS; files in use are kept', async () => {
    master = await startTestMaster({ requestTimeoutMs: 1_000, headersTimeoutMs: 500 });
    const incoming = incomingDir(master.dataDir);
    const left = path.join(incoming, 'left-by-a-killed-master');
    const inUse = path.join(incoming, 'being-written');
    fs.writeFileSync(left, jpeg);
    fs.writeFileSync(inUse, jpeg);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(left, anHourAgo, anHourAgo);
    // Written to "in an hour": younger than any request, however long the test waits.
    const anHourAhead = new Date(Date.now() + 3_600_000);
    fs.utimesSync(inUse, anHourAhead, anHourAhead);

    await until(() => !fs.existsSync(left), 'the leftover to be swept', 5_000);
    expect(fs.readdirSync(incoming)).toEqual(['being-written']);
  });
});

describe('a storage failure on a route other than uploads', () => {
  it('is answered 503 storage-unavailable in words that fit it, not as an upload that could not be written', async () => {
    master = await startTestMaster();
    const created = (await (await fetchUpload(master.url)).json()) as { jobs: { id: string }[] };
    breakFolder(path.join(master.dataDir, 'images'));
    const response = await fetch(`${master.url}/api/jobs/${created.jobs[0]!.id}/image`);
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('storage-unavailable');
    expect(error.message).toMatch(/^the master cannot use its own storage just now \(.+\): nothing was changed; try again later$/);
  });
});
