// Another program (a backup, a sqlite3 shell) holding jobs.sqlite's write lock: the master neither freezes waiting
// for it (the driver is synchronous) nor answers 500; an upload gets 503 store-unavailable, and is taken once the lock
// is let go.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import type { ApiError } from '../api-types.ts';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';

const [image] = uploadsFrom([devImages(1)[0]!.path]);
let master: TestMaster | null = null;
let other: Database.Database | null = null;
afterEach(async () => {
  other?.close();
  other = null;
  await master?.close();
  master = null;
});

function upload(url: string): Promise<Response> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(image!.bytes)]), image!.name);
  return fetch(`${url}/api/jobs`, { method: 'POST', body: form });
}

it('answers an upload 503 store-unavailable at once while another program holds the write lock, and stays live', async () => {
  master = await startTestMaster();
  other = new Database(path.join(master.dataDir, 'jobs.sqlite'));
  other.exec('BEGIN IMMEDIATE');

  // /livez, asked again and again while the upload is answered: the slowest answer shows any freeze of the event loop.
  let answered = false;
  const uploaded = upload(master.url).finally(() => (answered = true));
  let slowestLivezMs = 0;
  while (!answered) {
    const asked = performance.now();
    expect((await fetch(`${master.url}/livez`)).status).toBe(200);
    slowestLivezMs = Math.max(slowestLivezMs, performance.now() - asked);
  }
  const response = await uploaded;
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('2');
  expect(((await response.json()) as ApiError).error.code).toBe('store-unavailable');
  expect(slowestLivezMs).toBeLessThan(1_000);

  other.exec('ROLLBACK');
  expect(await submit(master.url, [image!])).toHaveLength(1);
});

it('answers 503 store-unavailable, not 500, while another program holds identities.sqlite locked', async () => {
  const adminToken = 'admin-token-of-this-test-0123456789';
  master = await startTestMaster({ adminToken });
  other = new Database(path.join(master.dataDir, 'identities.sqlite'));
  other.exec('BEGIN IMMEDIATE');
  const revoke = () =>
    fetch(`${master!.url}/api/workers/some-volunteer-0123456789/revoke`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
  const response = await revoke();
  expect(response.status).toBe(503);
  expect(((await response.json()) as ApiError).error.code).toBe('store-unavailable');
  other.exec('ROLLBACK');
  expect((await revoke()).status).toBeLessThan(300);
});

it('deals the queued jobs to a worker that came while another program held jobs.sqlite locked, once the lock is gone', async () => {
  master = await startTestMaster();
  await submit(master.url, [image!, image!]);
  other = new Database(path.join(master.dataDir, 'jobs.sqlite'));
  other.exec('BEGIN IMMEDIATE');
  // Its hello and credit come while the lease cannot be written: that dispatch fails, and nothing else happens after.
  const worker = await SyntheticWorker.connect({ masterUrl: master.url, credit: 2, hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: () => {} });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    other.exec('ROLLBACK');
    await until(() => worker.jobs.length === 2, 'both jobs dealt once the lock is gone', 5_000);
  } finally {
    worker.terminate();
  }
});
