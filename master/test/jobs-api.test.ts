// The REST API against a real master and the real embedded store.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiError, HealthView, JobPage, ModelView, SubmitResponse } from '../api-types.ts';
import type { Config } from '../config.ts';
import { devImages } from '../../test/support/paths.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

const [cat, dog, bird] = devImages(3).map((image) => ({ name: image.file, bytes: fs.readFileSync(image.path) }));

let master: TestMaster;
afterEach(async () => {
  await master?.close();
});

async function start(overrides: Partial<Record<keyof Config, unknown>> = {}) {
  master = await startTestMaster(overrides);
  return master;
}

function form(files: { name: string; bytes: Buffer; type?: string }[], field = 'image'): FormData {
  const data = new FormData();
  for (const file of files) data.append(field, new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'image/jpeg' }), file.name);
  return data;
}

/** The jobs of a 201, or the error of any other status: each test reads the one its expected status gives. */
type SubmitAnswer = SubmitResponse & ApiError;

async function submit(files: { name: string; bytes: Buffer; type?: string }[], headers: Record<string, string> = {}, field = 'image') {
  const response = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: form(files, field), headers });
  return { response, body: (await response.json()) as SubmitAnswer };
}

describe('POST /api/jobs', () => {
  it('stores one or many images and answers 201 with queued jobs in upload order', async () => {
    await start();
    const { response, body } = await submit([cat!, dog!, bird!]);
    expect(response.status).toBe(201);
    expect(body.jobs.map((job) => job.fileName)).toEqual([cat!.name, dog!.name, bird!.name]);
    for (const job of body.jobs) expect(job).toMatchObject({ status: 'queued', attempts: 0, result: null });

    const one = await fetch(`${master.url}/api/jobs/${body.jobs[0]!.id}`).then((r) => r.json());
    expect(one).toMatchObject({
      id: body.jobs[0]!.id,
      status: 'queued',
      startedAt: null,
      finishedAt: null,
      worker: null,
      error: null,
      result: null,
      timeline: [],
    });
    expect(new Date(one.submittedAt).toISOString()).toBe(one.submittedAt);
  });

  it('refuses a file that is not an image by its bytes, whatever its name (415)', async () => {
    await start();
    const { response, body } = await submit([{ name: 'photo.jpg', bytes: Buffer.from('just some text, not a jpeg') }]);
    expect(response.status).toBe(415);
    expect(body.error.code).toBe('not-an-image');
    expect(body.error.message).toContain('photo.jpg');
    expect((await master.store.counts()).queued).toBe(0);
  });

  it('refuses an image over the size limit (413)', async () => {
    await start({ maxUploadBytes: 1000 });
    const { response, body } = await submit([cat!]);
    expect(response.status).toBe(413);
    expect(body.error).toMatchObject({ code: 'file-too-large' });
  });

  it('refuses too many files in one request (413) and stores none of them', async () => {
    await start({ maxFilesPerUpload: 2 });
    const { response, body } = await submit([cat!, dog!, bird!]);
    expect(response.status).toBe(413);
    expect(body.error.code).toBe('too-many-files');
    expect((await master.store.counts()).queued).toBe(0);
  });

  it('asks for a file when none is attached (400), and names the right field', async () => {
    await start();
    const empty = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: new FormData() });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as ApiError).error.code).toBe('no-file');
    const { response, body } = await submit([cat!], {}, 'file');
    expect(response.status).toBe(400);
    expect(body.error.message).toContain('"image"');
  });

  it('creates one job per Idempotency-Key, however often the client retries with its owner key', async () => {
    await start();
    const first = await submit([cat!], { 'Idempotency-Key': 'upload-42' });
    const owner = { Authorization: `Bearer ${first.body.ownerKey}` };
    const again = await submit([cat!], { 'Idempotency-Key': 'upload-42', ...owner });
    expect(first.response.status).toBe(201);
    expect(again.response.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body.jobs.map((j) => j.id)).toEqual(first.body.jobs.map((j) => j.id));
    expect((await master.store.counts()).queued).toBe(1);
  });

  it('answers 503 with Retry-After when the queue is full, instead of growing without bound', async () => {
    await start({ maxPendingJobs: 2 });
    expect((await submit([cat!, dog!])).response.status).toBe(201);
    const { response, body } = await submit([bird!]);
    expect(response.status).toBe(503);
    expect(response.headers.get('Retry-After')).toBe('5');
    expect(body.error.code).toBe('queue-full');
  });

  it('admits concurrent submissions up to the limit and not one more', async () => {
    // All twelve in flight at once from one address: the upload caps let them in, admission decides.
    await start({ maxPendingJobs: 5, maxUploadsPerAddress: 12, maxUploadsInFlight: 12 });
    const answers = await Promise.all(Array.from({ length: 12 }, () => submit([cat!])));
    const statuses = answers.map(({ response }) => response.status).sort();
    expect(statuses).toEqual([...Array(5).fill(201), ...Array(7).fill(503)]);
    const health = (await fetch(`${master.url}/api/health`).then((r) => r.json())) as HealthView;
    expect(health.jobs.queued + health.jobs.leased).toBe(5);
  });
});

describe('reading jobs', () => {
  it('lists newest first, filters by status and pages with a cursor', async () => {
    await start();
    const ids = [];
    for (const file of [cat!, dog!, bird!]) ids.push((await submit([file])).body.jobs[0]!.id);
    const page1 = (await fetch(`${master.url}/api/jobs?limit=2`).then((r) => r.json())) as JobPage;
    expect(page1.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await fetch(`${master.url}/api/jobs?limit=2&cursor=${page1.nextCursor}`).then((r) => r.json())) as JobPage;
    expect(page2.jobs.map((j) => j.id)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
    const done = (await fetch(`${master.url}/api/jobs?status=done`).then((r) => r.json())) as JobPage;
    expect(done.jobs).toEqual([]);
    const bad = await fetch(`${master.url}/api/jobs?status=finished`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ApiError).error.code).toBe('bad-status');
  });

  it('holds a page to MAX_JOBS_PAGE jobs, and says so to a limit past it or not a whole number (400)', async () => {
    await start({ maxJobsPage: 2 });
    for (const file of [cat!, dog!, bird!]) await submit([file]);
    // Without a limit, a page is 50 jobs, or MAX_JOBS_PAGE when that is smaller.
    expect(((await fetch(`${master.url}/api/jobs`).then((r) => r.json())) as JobPage).jobs).toHaveLength(2);
    expect(((await fetch(`${master.url}/api/jobs?limit=2`).then((r) => r.json())) as JobPage).jobs).toHaveLength(2);
    // Plain digits only: before, '0x2', '1e0', '2.0', '+1' and ' 1' were taken (Number() reads each as a whole number).
    for (const limit of ['3', '0', '1.5', 'many', '0x2', '1e0', '2.0', '+1', '%201']) {
      const refused = await fetch(`${master.url}/api/jobs?limit=${limit}`);
      expect(refused.status, limit).toBe(400);
      expect(((await refused.json()) as ApiError).error).toMatchObject({ code: 'bad-limit', message: expect.stringContaining('from 1 to 2') });
    }
  });

  it('serves the stored bytes with their type and nosniff', async () => {
    await start();
    const id = (await submit([cat!])).body.jobs[0]!.id;
    const image = await fetch(`${master.url}/api/jobs/${id}/image`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await image.arrayBuffer()).equals(cat!.bytes)).toBe(true);
  });

  it('answers 404 with a JSON error for an unknown id', async () => {
    await start();
    for (const [method, path] of [
      ['GET', '/api/jobs/nope'],
      ['GET', '/api/jobs/nope/image'],
      ['DELETE', '/api/jobs/nope'],
      ['POST', '/api/jobs/nope/retry'],
    ] as const) {
      const response = await fetch(`${master.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(((await response.json()) as ApiError).error).toMatchObject({ code: 'job-not-found' });
    }
  });

  it('deletes a job (204) and refuses to retry one that has not failed (409)', async () => {
    await start();
    const { jobs, ownerKey } = (await submit([cat!])).body;
    const id = jobs[0]!.id;
    const headers = { Authorization: `Bearer ${ownerKey}` };
    const retry = await fetch(`${master.url}/api/jobs/${id}/retry`, { method: 'POST', headers });
    expect(retry.status).toBe(409);
    expect((await fetch(`${master.url}/api/jobs/${id}`, { method: 'DELETE', headers })).status).toBe(204);
    expect((await fetch(`${master.url}/api/jobs/${id}`)).status).toBe(404);
  });

  it('keeps clear-all behind the admin token', async () => {
    await start({ adminToken: 'secret-token-1' });
    await submit([cat!, dog!]);
    expect((await fetch(`${master.url}/api/jobs`, { method: 'DELETE' })).status).toBe(401);
    const cleared = await fetch(`${master.url}/api/jobs`, { method: 'DELETE', headers: { Authorization: 'Bearer secret-token-1' } });
    expect(await cleared.json()).toEqual({ deleted: 2 });
    expect((await master.store.counts()).queued).toBe(0);
  });
});

describe('model, workers and the web app', () => {
  it('describes the model and serves its files pinned by hash', async () => {
    await start();
    const model = (await fetch(`${master.url}/api/model`).then((r) => r.json())) as ModelView;
    expect(model).toMatchObject({ name: 'mobilenet-v2-100-224-graph', inputRange: [-1, 1], imageSize: 224 });
    expect(model.url).toBe(`/models/${model.hash}/model.json`);
    const file = await fetch(`${master.url}${model.url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('cache-control')).toContain('immutable');
    expect(((await file.json()) as { format: string }).format).toBe('graph-model');
    expect((await fetch(`${master.url}/models/${model.hash}/SOURCE.txt`)).status).toBe(404);
    expect((await fetch(`${master.url}/models/0000/model.json`)).status).toBe(404);
  });

  it('lists no workers before any connects, and 404s unknown API paths as JSON', async () => {
    await start();
    expect(await fetch(`${master.url}/api/workers`).then((r) => r.json())).toEqual({ total: 0, workers: [], nextCursor: null });
    const missing = await fetch(`${master.url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ApiError).error.code).toBe('not-found');
  });
});
