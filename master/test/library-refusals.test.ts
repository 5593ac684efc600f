// Refusals that come from the libraries under the routes (Express's router decoding a path, `send` serving a model
// file), against a real master: each in the API's shape with a code of its own, in plain words, with the headers the
// status needs. Before, every one was `bad-request`, worded as the library worded it.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

let master: TestMaster;
beforeEach(async () => {
  master = await startTestMaster();
});
afterEach(async () => {
  await master.close();
});

async function refusal(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${master.url}${path}`, { headers });
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, headers: response.headers, ...error };
}

it.each(['/api/jobs/%E0%A4%A', '/api/jobs/%FF/image', '/api/jobs/%'])('a path with a broken percent-encoding (%s) is 400 bad-path', async (path) => {
  const answer = await refusal(path);
  // Before: 400 bad-request, "Failed to decode param '%E0%A4%A'".
  expect([answer.status, answer.code]).toEqual([400, 'bad-path']);
  expect(answer.message).toMatch(/percent-encoding/);
});

it('a model file asked for past its end is 416 range-not-satisfiable, saying its length', async () => {
  const model = (await (await fetch(`${master.url}/api/model`)).json()) as { url: string };
  const size = Number((await fetch(`${master.url}${model.url}`, { method: 'HEAD' })).headers.get('content-length'));
  const answer = await refusal(model.url, { Range: `bytes=${size + 10}-` });
  // Before: 416 bad-request, "Range Not Satisfiable", and no Content-Range.
  expect([answer.status, answer.code, answer.headers.get('content-range')]).toEqual([416, 'range-not-satisfiable', `bytes */${size}`]);
});

it('a model file whose precondition fails is 412 precondition-failed', async () => {
  const model = (await (await fetch(`${master.url}/api/model`)).json()) as { url: string };
  const answer = await refusal(model.url, { 'If-Match': '"another-version"' });
  // Before: 412 bad-request, "Precondition Failed".
  expect([answer.status, answer.code]).toEqual([412, 'precondition-failed']);
});
