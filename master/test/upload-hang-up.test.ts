// A client that hangs up while the master still checks its upload: its files are deleted at once (upload.ts), what
// the master was doing with them ends quietly, storing nothing and logging no error of the master's, and the upload's
// slot is held until then, so hanging up and sending again starts no more decodes than MAX_UPLOADS_PER_ADDRESS.
import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { incomingDir } from '../http/upload.ts';
import { capturedLog } from '../../test/support/captured-log.ts';
import { until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { HeldPreparer } from '../../test/support/slow-preparer.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

const jpeg = fs.readFileSync(devImages(1)[0]!.path);
let master: TestMaster | undefined;
afterEach(async () => {
  await master?.close();
  master = undefined;
});

it('stores nothing and logs no error when the client hangs up while its images are being checked', async () => {
  const { log, lines } = capturedLog();
  const preparer = new HeldPreparer();
  master = await startTestMaster({}, { preparer }, log);
  const incoming = incomingDir(master.dataDir);
  const data = new FormData();
  for (const name of ['first.jpg', 'second.jpg']) data.append('image', new Blob([new Uint8Array(jpeg)]), name);
  const hangUp = new AbortController();
  const answer = fetch(`${master.url}/api/jobs`, { method: 'POST', body: data, signal: hangUp.signal }).catch((error: unknown) => error);
  // The body has arrived, and the first image is being prepared (held until the master saw the hang-up).
  await until(() => preparer.started === 1, 'the upload to be prepared');
  hangUp.abort();
  expect(await answer).toMatchObject({ name: 'AbortError' });
  // The master has seen the hang-up: it deleted the upload's files.
  await until(() => fs.readdirSync(incoming).length === 0, 'the upload deleted');
  preparer.release();

  await until(() => lines.some((line) => line.msg === 'request abandoned by its client'), 'the master to give up the upload');
  expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  expect(await master.store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
  expect(fs.readdirSync(incoming)).toEqual([]);
});

/** Uploads the dev image once. */
function upload(signal?: AbortSignal): Promise<Response> {
  const data = new FormData();
  data.append('image', new Blob([new Uint8Array(jpeg)]), 'again.jpg');
  return fetch(`${master!.url}/api/jobs`, { method: 'POST', body: data, signal });
}

it('holds the upload slot of a client that hung up until the image it sent is prepared', async () => {
  const { log, lines } = capturedLog();
  const preparer = new HeldPreparer();
  master = await startTestMaster({ maxUploadsPerAddress: 1 }, { preparer }, log);
  const incoming = incomingDir(master.dataDir);
  const hangUp = new AbortController();
  const abandoned = upload(hangUp.signal).catch((error: unknown) => error);
  // Its body has arrived and its image is being prepared (held): hung up on before, it would be prepared never.
  await until(() => preparer.started === 1, 'the upload to be prepared');
  hangUp.abort();
  await abandoned;
  // The master has seen the hang-up: it deleted the upload's file.
  await until(() => fs.readdirSync(incoming).length === 0, 'the upload deleted');

  // Its image is still being prepared (held), so the address's one slot is still taken.
  const meanwhile = await upload();
  expect([meanwhile.status, ((await meanwhile.json()) as { error: { code: string } }).error.code]).toEqual([429, 'too-many-uploads-from-address']);
  expect(lines.some((line) => line.msg === 'request abandoned by its client')).toBe(false);
  preparer.release();

  await until(() => lines.some((line) => line.msg === 'request abandoned by its client'), 'the master to give up the upload');
  expect((await upload()).status).toBe(201);
  expect(await master.store.counts()).toMatchObject({ queued: 1 });
});
