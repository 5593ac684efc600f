// The owner a client's uploads go as (POST /api/owner), against a scripted HTTP server standing in for the master: an
// answer that is not what a grid master answers (a proxy's page, other JSON: the wrong --master) is said in plain words.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uploadOwner } from '../../metrics/runner/upload-owner.ts';

let server: http.Server;
let masterUrl: string;
let answer: { status: number; type: string; body: string };
const retry = { attemptTimeoutMs: 2_000, giveUpAfterMs: 1_000, backoffInitialMs: 20, backoffMaxMs: 100 };

beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  masterUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

it('takes the owner key a grid master issues, and its upload limits', async () => {
  const uploadLimits = { maxUploadBytes: 1000, maxUploadRequestBytes: 2000 };
  answer = { status: 201, type: 'application/json', body: JSON.stringify({ owner: 'anon-1', ownerKey: 'anon-1.secret', uploadLimits }) };
  expect(await uploadOwner(masterUrl, undefined, retry)).toEqual({ owner: 'anon-1', key: 'anon-1.secret', issued: true, uploadLimits });
  answer = { status: 200, type: 'application/json', body: JSON.stringify({ owner: 'key-lab' }) };
  expect(await uploadOwner(masterUrl, 'the-lab-key', retry)).toEqual({ owner: 'key-lab', key: 'the-lab-key', issued: false, uploadLimits: null });
});

it.each([
  ['not JSON (a proxy page)', 200, 'text/html', '<html><body>Welcome to nginx!</body></html>'],
  ['JSON that is no owner', 201, 'application/json', '{"status":"fine"}'],
  ['an owner without the key asked for', 201, 'application/json', '{"owner":"anon-1"}'],
])('says in plain words, naming the URL and what came, that an answer %s is not what a grid master answers', async (_what, status, type, body) => {
  answer = { status, type, body };
  await expect(uploadOwner(masterUrl, undefined, retry)).rejects.toThrow(
    `no owner for the uploads: the answer to POST ${masterUrl}/api/owner is not what a grid master answers (${type}: ${body})`,
  );
});

it('quotes a long answer shortened', async () => {
  answer = { status: 200, type: 'text/html', body: `<html>${'x'.repeat(10_000)}</html>` };
  const error = (await uploadOwner(masterUrl, undefined, retry).catch((caught: Error) => caught)) as Error;
  expect(error.message).toContain(`is not what a grid master answers (text/html: <html>xxx`);
  expect(error.message.length).toBeLessThan(400);
});
